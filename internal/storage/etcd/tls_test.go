package etcd

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// TestOpenExternalTLS reaches an etcd that serves https and requires client
// certificates, with --etcd-cafile, --etcd-certfile and --etcd-keyfile.
func TestOpenExternalTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca, caKey := newCert(t, dir, "ca", nil, nil)
	newCert(t, dir, "server", ca, caKey)
	newCert(t, dir, "client", ca, caKey)

	ec := embed.NewConfig()
	ec.Name, ec.Dir, ec.UnsafeNoFsync = "tls", filepath.Join(dir, "data"), true
	ec.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	ec.ListenClientUrls = []url.URL{{Scheme: "https", Host: "127.0.0.1:0"}}
	ec.AdvertiseClientUrls = ec.ListenClientUrls
	peer := []url.URL{{Scheme: "http", Host: "127.0.0.1:0"}}
	ec.ListenPeerUrls, ec.AdvertisePeerUrls = peer, peer
	ec.InitialCluster = ec.InitialClusterFromName(ec.Name)
	ec.ClientTLSInfo.CertFile = filepath.Join(dir, "server.pem")
	ec.ClientTLSInfo.KeyFile = filepath.Join(dir, "server-key.pem")
	ec.ClientTLSInfo.TrustedCAFile = filepath.Join(dir, "ca.pem")
	ec.ClientTLSInfo.ClientCertAuth = true
	e, err := embed.StartEtcd(ec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(time.Minute):
		t.Fatal("etcd not ready")
	}

	s, err := OpenExternal(t.Context(), ClientConfig{
		Servers: []string{"https://" + e.Clients[0].Addr().String()},
		CAFile:  filepath.Join(dir, "ca.pem"), CertFile: filepath.Join(dir, "client.pem"), KeyFile: filepath.Join(dir, "client-key.pem"),
		Log: slog.New(slog.DiscardHandler),
	}, Config{CompactionInterval: -1})
	if err != nil {
		t.Fatalf("OpenExternal over TLS: %v", err)
	}
	defer s.Close()
	if _, err := s.Create(t.Context(), "/core/pods/ns/a", []byte("pod")); err != nil {
		t.Fatal(err)
	}
}

// newCert writes NAME.pem and NAME-key.pem to dir: a CA when parent is
// nil, else a certificate for 127.0.0.1 usable by a server and a client.
func newCert(t *testing.T, dir, name string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	if parent == nil {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage |= x509.KeyUsageCertSign
		tmpl.ExtKeyUsage, tmpl.IPAddresses = nil, nil
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	for file, block := range map[string]*pem.Block{
		name + ".pem":     {Type: "CERTIFICATE", Bytes: der},
		name + "-key.pem": {Type: "EC PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(filepath.Join(dir, file), pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}
