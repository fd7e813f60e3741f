// Package pki makes what a client needs to trust and reach evictd: a CA,
// a serving certificate for the listen addresses, a bearer token, and the
// kubeconfig that ties them together. A serving certificate can also be
// given (UseServingCert, for --tls-cert-file); the kubeconfig then trusts
// what verifies it. Keys are ECDSA P-256, whose
// generation takes microseconds (RSA-2048 can take 100 ms and more), so
// pkg/testserver can make fresh ones on every start.
package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"slices"
	"time"
)

// validity of generated certificates: long enough for a rehearsal
// environment that is kept around, and the data dir reuses them.
const validity = 365 * 24 * time.Hour

// Bundle is the CA, the serving certificate and the token of one server.
type Bundle struct {
	CACertPEM      []byte
	CAKeyPEM       []byte
	ServingCertPEM []byte
	ServingKeyPEM  []byte
	// Token is the bearer token clients must send.
	Token string
	// given is set by UseServingCert: the serving certificate is not the
	// one the CA issued.
	given *givenServing
}

// New makes a fresh bundle whose serving certificate covers hosts (IP
// addresses or DNS names) as well as localhost, 127.0.0.1 and ::1.
func New(hosts []string) (*Bundle, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate CA key: %w", err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: fmt.Sprintf("evictd-ca@%d", now.Unix())},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	b := &Bundle{CACertPEM: pemBlock("CERTIFICATE", caDER)}
	if b.CAKeyPEM, err = keyPEM(caKey); err != nil {
		return nil, err
	}
	if err := b.issueServing(caCert, caKey, hosts); err != nil {
		return nil, err
	}
	if b.Token, err = newToken(); err != nil {
		return nil, err
	}
	return b, nil
}

// Covers reports whether the serving certificate is valid now for every host.
func (b *Bundle) Covers(hosts []string) bool {
	cert, err := parseCert(b.ServingCertPEM)
	if err != nil || time.Now().After(cert.NotAfter) {
		return false
	}
	for _, h := range allHosts(hosts) {
		if cert.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}

// Reissue replaces the serving certificate with one for hosts, signed by
// the same CA (so existing kubeconfigs keep trusting the server).
func (b *Bundle) Reissue(hosts []string) error {
	caCert, err := parseCert(b.CACertPEM)
	if err != nil {
		return err
	}
	block, _ := pem.Decode(b.CAKeyPEM)
	if block == nil {
		return fmt.Errorf("CA key: no PEM data")
	}
	caKey, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		return fmt.Errorf("CA key: %w", err)
	}
	return b.issueServing(caCert, caKey, hosts)
}

// TLSConfig is the server side: the serving certificate, TLS 1.2+, and
// HTTP/2 offered as kube-apiserver does.
func (b *Bundle) TLSConfig() (*tls.Config, error) {
	cert, err := tls.X509KeyPair(b.ServingCertPEM, b.ServingKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("serving key pair: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}}, nil
}

func (b *Bundle) issueServing(caCert *x509.Certificate, caKey *ecdsa.PrivateKey, hosts []string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate serving key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "evictd"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range allHosts(hosts) {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("create serving certificate: %w", err)
	}
	b.ServingCertPEM = pemBlock("CERTIFICATE", der)
	b.ServingKeyPEM, err = keyPEM(key)
	return err
}

// allHosts adds the loopback names to hosts, without duplicates or
// wildcard addresses (0.0.0.0 is not a name a client dials).
func allHosts(hosts []string) []string {
	out := []string{"localhost", "127.0.0.1", "::1"}
	for _, h := range hosts {
		if ip := net.ParseIP(h); h == "" || (ip != nil && ip.IsUnspecified()) {
			continue
		}
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

func newToken() (string, error) {
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("generate token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(buf), nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return big.NewInt(time.Now().UnixNano())
	}
	return n
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func keyPEM(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("marshal key: %w", err)
	}
	return pemBlock("EC PRIVATE KEY", der), nil
}

func parseCert(data []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("certificate: no PEM data")
	}
	return x509.ParseCertificate(block.Bytes)
}
