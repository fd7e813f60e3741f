package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// testCert is a certificate and its key, made by issue.
type testCert struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func (c testCert) certPEM() []byte { return pemBlock("CERTIFICATE", c.cert.Raw) }

func (c testCert) keyPEM(t *testing.T) []byte {
	t.Helper()
	data, err := keyPEM(c.key)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// issue makes a certificate named cn, signed by parent (self-signed when
// parent is nil): a CA, or a server certificate for hosts.
func issue(t *testing.T, cn string, parent *testCert, isCA bool, notAfter time.Time, hosts ...string) testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, BasicConstraintsValid: isCA, IsCA: isCA,
	}
	if isCA {
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return testCert{cert: cert, key: key}
}

// dataDirCA is the bundle's own CA as a testCert, to issue from it.
func dataDirCA(t *testing.T, b *Bundle) *testCert {
	t.Helper()
	cert, err := parseCert(b.CACertPEM)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b.CAKeyPEM)
	key, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return &testCert{cert: cert, key: key}
}

// TestUseServingCert: a given certificate is served, and both what serve
// writes (the kubeconfig) and what in-process clients use (RESTConfig)
// verify it: through the data dir's CA, the chain's top, the certificate
// itself, or (kubeconfig) the client's own CA bundle.
func TestUseServingCert(t *testing.T) {
	t.Parallel()
	later := time.Now().Add(time.Hour)
	root := issue(t, "root", nil, true, later)
	intermediate := issue(t, "intermediate", &root, true, later)
	for _, tc := range []struct {
		name string
		// serving makes the certificate file's content and its key.
		serving func(b *Bundle) (certPEM, keyPEM []byte)
		want    Anchor
		// wantCA is the kubeconfig's CA; clientStore is the CA a client's
		// own bundle must hold to verify the server through the kubeconfig.
		wantCA, clientStore func(b *Bundle) []byte
		wantServerName      string
	}{{
		name: "issued by the data dir's CA",
		serving: func(b *Bundle) ([]byte, []byte) {
			c := issue(t, "evictd", dataDirCA(t, b), false, later, "127.0.0.1")
			return c.certPEM(), c.keyPEM(t)
		},
		want: AnchorDataDirCA, wantCA: func(b *Bundle) []byte { return b.CACertPEM },
	}, {
		name: "chain up to its root",
		serving: func(*Bundle) ([]byte, []byte) {
			c := issue(t, "evictd", &intermediate, false, later, "127.0.0.1")
			return concat(c.certPEM(), intermediate.certPEM(), root.certPEM()), c.keyPEM(t)
		},
		want: AnchorIssuer, wantCA: func(*Bundle) []byte { return root.certPEM() },
	}, {
		name: "chain without its root",
		serving: func(*Bundle) ([]byte, []byte) {
			c := issue(t, "evictd", &intermediate, false, later, "127.0.0.1")
			return concat(c.certPEM(), intermediate.certPEM()), c.keyPEM(t)
		},
		want: AnchorIssuer, wantCA: func(*Bundle) []byte { return intermediate.certPEM() },
	}, {
		name: "self-signed",
		serving: func(*Bundle) ([]byte, []byte) {
			c := issue(t, "evictd", nil, false, later, "127.0.0.1")
			return c.certPEM(), c.keyPEM(t)
		},
		want: AnchorSelf, wantCA: func(b *Bundle) []byte { return b.ServingCertPEM },
	}, {
		name: "issuer not given",
		serving: func(*Bundle) ([]byte, []byte) {
			c := issue(t, "evictd", &root, false, later, "127.0.0.1")
			return c.certPEM(), c.keyPEM(t)
		},
		want: AnchorClientStore, wantCA: func(*Bundle) []byte { return nil },
		clientStore: func(*Bundle) []byte { return root.certPEM() },
	}, {
		name: "a DNS name only",
		serving: func(*Bundle) ([]byte, []byte) {
			c := issue(t, "evictd", nil, false, later, "api.evictd.test")
			return c.certPEM(), c.keyPEM(t)
		},
		want: AnchorSelf, wantCA: func(b *Bundle) []byte { return b.ServingCertPEM }, wantServerName: "api.evictd.test",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := New(nil)
			if err != nil {
				t.Fatal(err)
			}
			certPEM, keyPEM := tc.serving(b)
			got, err := b.UseServingCert(certPEM, keyPEM)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("anchor %v, want %v", got, tc.want)
			}
			url := serveTLS(t, b)
			data, err := b.Kubeconfig(url)
			if err != nil {
				t.Fatal(err)
			}
			kubeconfig, err := clientcmd.RESTConfigFromKubeConfig(data)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(kubeconfig.CAData, tc.wantCA(b)) || kubeconfig.ServerName != tc.wantServerName {
				t.Fatalf("kubeconfig trusts %q for %q, want %q for %q", kubeconfig.CAData, kubeconfig.ServerName, tc.wantCA(b), tc.wantServerName)
			}
			if tc.clientStore != nil {
				kubeconfig.CAData = tc.clientStore(b) // as the client's own bundle would hold it
			}
			for name, cfg := range map[string]*rest.Config{"kubeconfig": kubeconfig, "RESTConfig": b.RESTConfig(url)} {
				if err := get(t, cfg); err != nil {
					t.Errorf("through the %s: %v", name, err)
				}
			}
		})
	}
}

// TestUseServingCertRefuses: a pair clients would refuse is refused at
// start, saying why.
func TestUseServingCertRefuses(t *testing.T) {
	t.Parallel()
	later := time.Now().Add(time.Hour)
	good := issue(t, "evictd", nil, false, later, "127.0.0.1")
	other := issue(t, "other", nil, false, later, "127.0.0.1")
	expired := issue(t, "old", nil, false, time.Now().Add(-time.Minute), "127.0.0.1")
	for _, tc := range []struct {
		name    string
		certPEM []byte
		keyPEM  []byte
		want    string
	}{
		{"key of another certificate", good.certPEM(), other.keyPEM(t), "private key does not match public key"},
		{"no certificate", []byte("not PEM"), good.keyPEM(t), "failed to find any PEM data in certificate input"},
		{"no key", good.certPEM(), good.certPEM(), "found a certificate rather than a key"},
		{"expired", expired.certPEM(), expired.keyPEM(t), `certificate "CN=old" is valid from`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := New(nil)
			if err != nil {
				t.Fatal(err)
			}
			issued := b.ServingCertPEM
			if _, err := b.UseServingCert(tc.certPEM, tc.keyPEM); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one saying %q", err, tc.want)
			}
			if !bytes.Equal(b.ServingCertPEM, issued) || !bytes.Equal(b.ClientCA(), b.CACertPEM) {
				t.Fatal("a refused certificate changed the bundle")
			}
		})
	}
}

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// serveTLS serves b's TLS configuration on loopback until t ends.
func serveTLS(t *testing.T, b *Bundle) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	cfg, err := b.TLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	srv.TLS = cfg
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL
}

// get makes one request through cfg's transport: it fails if the TLS
// handshake does.
func get(t *testing.T, cfg *rest.Config) error {
	transport, err := rest.TransportFor(cfg)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, cfg.Host, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Transport: transport}).Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
