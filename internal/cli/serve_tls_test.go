package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/evictd/evictd/internal/storage/etcd"
)

// tlsFiles are a test CA, and a serving certificate it issued for
// 127.0.0.1 (the file holds the CA after it), with its key.
type tlsFiles struct {
	caPEM             []byte
	certFile, keyFile string
}

// writeTLSFiles makes the CA and serving certificate in dir.
func writeTLSFiles(t *testing.T, dir string) tlsFiles {
	t.Helper()
	now := time.Now()
	caKey, caTmpl := newKey(t), &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key := newKey(t)
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "evictd"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	f := tlsFiles{caPEM: encodePEM("CERTIFICATE", caDER), certFile: filepath.Join(dir, "tls.crt"), keyFile: filepath.Join(dir, "tls.key")}
	writeFile(t, f.certFile, append(encodePEM("CERTIFICATE", der), f.caPEM...))
	writeFile(t, f.keyFile, encodePEM("EC PRIVATE KEY", keyDER))
	return f
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func encodePEM(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestServeTLSAndTokenFilesShareClients: two servers on one etcd, each
// with its own data dir but the same --tls-cert-file,
// --tls-private-key-file and --token-auth-file, accept one client
// configuration (the test's CA and a token of the file): it reaches both,
// both name the file's user, and both serve one cluster. The kubeconfig
// each writes trusts the test's CA, found after the certificate in its
// file.
func TestServeTLSAndTokenFilesShareClients(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := writeTLSFiles(t, dir)
	tokenFile := filepath.Join(dir, "tokens.csv")
	writeFile(t, tokenFile, []byte("alice-token,alice,1001,\"dev,ops\"\nbob-token,bob,1002\n"))
	e, err := etcd.StartEmbedded(t.Context(), etcd.EmbeddedConfig{Dir: t.TempDir(), UnsafeNoFsync: true, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	ctx := t.Context()

	var alice []kubernetes.Interface
	// Server a runs a controller: its in-process client must trust the
	// given certificate too.
	for name, controllers := range map[string]string{"a": "disruption", "b": "false"} {
		kubeconfig := filepath.Join(dir, name, "kubeconfig")
		admin, _ := startServe(t, []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(dir, name, "data"),
			"--kubeconfig-out", kubeconfig, "--nodes", "0", "--controllers", controllers, "--etcd-servers", "http://" + e.Endpoint(),
			"--tls-cert-file", files.certFile, "--tls-private-key-file", files.keyFile, "--token-auth-file", tokenFile})
		// The written kubeconfig (its own admin token) works, and trusts
		// the test's CA.
		if _, err := admin.CoreV1().Namespaces().Get(ctx, "default", metav1.GetOptions{}); err != nil {
			t.Fatalf("server %s through its kubeconfig: %v", name, err)
		}
		written, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(written.CAData, files.caPEM) {
			t.Errorf("server %s's kubeconfig trusts %s, want the test's CA", name, written.CAData)
		}
		client := kubernetes.NewForConfigOrDie(&rest.Config{Host: written.Host, BearerToken: "alice-token",
			TLSClientConfig: rest.TLSClientConfig{CAData: files.caPEM}})
		review, err := client.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("whoami on server %s: %v", name, err)
		}
		if u := review.Status.UserInfo; u.Username != "alice" || !slices.Equal(u.Groups, []string{"dev", "ops", "system:authenticated"}) {
			t.Errorf("whoami on server %s: %+v, want alice in dev, ops, system:authenticated", name, u)
		}
		alice = append(alice, client)
	}
	if _, err := alice[0].CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "shared"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice[1].CoreV1().ConfigMaps("default").Get(ctx, "shared", metav1.GetOptions{}); err != nil {
		t.Fatalf("written through one server, read through the other: %v", err)
	}
	// Server a's components reach it (through the given certificate):
	// they hold the lease they run under.
	err = wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		lease, err := alice[1].CoordinationV1().Leases("kube-system").Get(ctx, "evictd-controllers", metav1.GetOptions{})
		return err == nil && lease.Spec.HolderIdentity != nil && *lease.Spec.HolderIdentity != "", nil
	})
	if err != nil {
		t.Fatalf("the in-process components never took the lease kube-system/evictd-controllers: %v", err)
	}
}

// TestServeTLSAndTokenFlagsRefuse: a certificate without its key, a file
// that cannot be read or a malformed token file stops serve before it
// starts, with a message naming the flag (and the line).
func TestServeTLSAndTokenFlagsRefuse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := writeTLSFiles(t, dir)
	other := writeTLSFiles(t, t.TempDir())
	missing := filepath.Join(dir, "missing")
	badTokens := filepath.Join(dir, "bad.csv")
	writeFile(t, badTokens, []byte("alice-token,alice,1001\nbob-token,bob\n"))
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"certificate without key", []string{"--tls-cert-file", files.certFile}, "--tls-cert-file and --tls-private-key-file: set both or neither"},
		{"key without certificate", []string{"--tls-private-key-file", files.keyFile}, "--tls-cert-file and --tls-private-key-file: set both or neither"},
		{"unreadable certificate", []string{"--tls-cert-file", missing, "--tls-private-key-file", files.keyFile}, "--tls-cert-file: open " + missing},
		{"unreadable key", []string{"--tls-cert-file", files.certFile, "--tls-private-key-file", missing}, "--tls-private-key-file: open " + missing},
		{"key of another certificate", []string{"--tls-cert-file", files.certFile, "--tls-private-key-file", other.keyFile},
			"--tls-cert-file " + files.certFile + ", --tls-private-key-file " + other.keyFile + ": tls: private key does not match public key"},
		{"unreadable token file", []string{"--token-auth-file", missing}, "--token-auth-file: open " + missing},
		{"malformed token file", []string{"--token-auth-file", badTokens}, "--token-auth-file: " + badTokens + " line 2: want at least 3 columns (token, user name, user uid), found 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sub := t.TempDir()
			args := append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(sub, "data"),
				"--kubeconfig-out", filepath.Join(sub, "kubeconfig"), "--nodes", "0"}, tc.args...)
			var stdout, stderr syncBuffer
			if code := Execute(t.Context(), args, &stdout, &stderr); code == 0 {
				t.Fatalf("serve %v: exit 0, want a refusal", tc.args)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Fatalf("serve %v said:\n%s\nwant it to say %q", tc.args, stderr.String(), tc.want)
			}
		})
	}
}
