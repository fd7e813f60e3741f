package pki

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"time"
)

// Anchor is what the written kubeconfig trusts to verify a serving
// certificate that was given (kube-apiserver's --tls-cert-file) rather
// than issued by the data dir's CA.
type Anchor int

// The anchors, in the order UseServingCert looks for them.
const (
	// AnchorDataDirCA: the data dir's CA issued the given certificate, so
	// kubeconfigs written before keep working.
	AnchorDataDirCA Anchor = iota
	// AnchorIssuer: the file holds the certificate's chain; the kubeconfig
	// trusts its topmost certificate that the chain verifies to.
	AnchorIssuer
	// AnchorSelf: the certificate is self-signed and trusts itself.
	AnchorSelf
	// AnchorClientStore: nothing in the files or the data dir verifies the
	// certificate; the kubeconfig carries no CA, so clients verify it with
	// their own trust store (their system's CA bundle).
	AnchorClientStore
)

// String says what the kubeconfig trusts, for the start-up line.
func (a Anchor) String() string {
	switch a {
	case AnchorDataDirCA:
		return "the data dir's CA, which issued the certificate"
	case AnchorIssuer:
		return "the certificate's issuer, from the chain in the certificate file"
	case AnchorSelf:
		return "the certificate itself, which is self-signed"
	}
	return "no CA of its own: the certificate's issuer is in neither the certificate file nor the data dir, so clients must trust it through their own CA bundle"
}

// UseServingCert replaces the issued serving certificate with a given one:
// certPEM is the certificate, then optionally its chain (CA certificates,
// as kube-apiserver's --tls-cert-file reads it), and keyPEM its private
// key. It decides what clients are told to trust (ClientCA) and returns
// that decision. A pair that does not match, or a certificate not valid
// now, is an error: clients would refuse it.
func (b *Bundle) UseServingCert(certPEM, keyPEM []byte) (Anchor, error) {
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return 0, err
	}
	chain := make([]*x509.Certificate, len(pair.Certificate))
	for i, der := range pair.Certificate {
		if chain[i], err = x509.ParseCertificate(der); err != nil {
			return 0, fmt.Errorf("certificate %d in the file: %w", i+1, err)
		}
	}
	leaf, now := chain[0], time.Now()
	if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		return 0, fmt.Errorf("certificate %q is valid from %s to %s, not now", leaf.Subject, leaf.NotBefore.Format(time.RFC3339), leaf.NotAfter.Format(time.RFC3339))
	}
	anchor, trusted := chooseAnchor(chain, b.CACertPEM)
	b.ServingCertPEM, b.ServingKeyPEM = certPEM, keyPEM
	b.given = &givenServing{leaf: leaf, anchor: anchor, trustPEM: trusted}
	return anchor, nil
}

// givenServing is what UseServingCert learnt of a given certificate.
type givenServing struct {
	leaf   *x509.Certificate
	anchor Anchor
	// trustPEM is the anchor's certificate; nil for AnchorClientStore.
	trustPEM []byte
}

// chooseAnchor finds what verifies chain[0] as a serving certificate: the
// data dir's CA, else the topmost certificate of the chain that verifies
// it (the longest-lived anchor the file offers), else the certificate
// itself if self-signed, else nothing.
func chooseAnchor(chain []*x509.Certificate, caPEM []byte) (Anchor, []byte) {
	leaf := chain[0]
	intermediates := x509.NewCertPool()
	for _, c := range chain[1:] {
		intermediates.AddCert(c)
	}
	verifiedBy := func(roots *x509.CertPool) bool {
		_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: intermediates})
		return err == nil
	}
	if ca := x509.NewCertPool(); ca.AppendCertsFromPEM(caPEM) && verifiedBy(ca) {
		return AnchorDataDirCA, caPEM
	}
	for i := len(chain) - 1; i >= 1; i-- {
		root := x509.NewCertPool()
		root.AddCert(chain[i])
		if verifiedBy(root) {
			return AnchorIssuer, pemBlock("CERTIFICATE", chain[i].Raw)
		}
	}
	if bytes.Equal(leaf.RawIssuer, leaf.RawSubject) && leaf.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature) == nil {
		return AnchorSelf, pemBlock("CERTIFICATE", leaf.Raw)
	}
	return AnchorClientStore, nil
}

// ClientCA is what clients are told to trust to verify the server: the
// data dir's CA, or with a given certificate the anchor UseServingCert
// chose; nil means the clients' own trust store.
func (b *Bundle) ClientCA() []byte {
	if b.given == nil {
		return b.CACertPEM
	}
	return b.given.trustPEM
}

// PodsCA is the CA bundle pods get in the kube-root-ca.crt ConfigMap to
// verify the server: what clients are told to trust (ClientCA), or when
// that is their own store, the served certificate itself, since evictd
// cannot know which public CA the clients' store holds.
func (b *Bundle) PodsCA() []byte { return b.pinnedCA() }

// pinnedCA is what an in-process client trusts: ClientCA, or when that is
// the clients' own store, the served certificate itself, which this
// process knows to be its own.
func (b *Bundle) pinnedCA() []byte {
	if ca := b.ClientCA(); ca != nil {
		return ca
	}
	return pemBlock("CERTIFICATE", b.given.leaf.Raw)
}

// serverName is the name a client must verify a given certificate for
// when it does not cover server's host (a certificate for a DNS name, a
// server dialled by address): its first DNS name or IP address. Empty
// when the host is covered, or without a given certificate.
func (b *Bundle) serverName(server string) string {
	if b.given == nil {
		return ""
	}
	u, err := url.Parse(server)
	if err != nil || b.given.leaf.VerifyHostname(u.Hostname()) == nil {
		return ""
	}
	leaf := b.given.leaf
	switch {
	case len(leaf.DNSNames) > 0:
		return leaf.DNSNames[0]
	case len(leaf.IPAddresses) > 0:
		return net.IP(leaf.IPAddresses[0]).String()
	}
	return ""
}
