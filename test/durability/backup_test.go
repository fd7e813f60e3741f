package durability

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// etcdEndpointLine is what serve logs at start-up with
// --storage=etcd-embedded: the member's client URL, for etcdctl.
var etcdEndpointLine = regexp.MustCompile(`msg="embedded etcd" endpoint=(http://\S+)`)

// etcdEndpoint is the embedded member's client URL from serve's log. Read
// it right after start: the log is kept only to its last 64 KiB.
func (p *serveProcess) etcdEndpoint(t *testing.T) string {
	t.Helper()
	m := etcdEndpointLine.FindStringSubmatch(p.stderr.String())
	if m == nil {
		t.Fatalf("serve did not log the embedded etcd's endpoint:\n%s", p.stderr)
	}
	return m[1]
}

// checkSnapshot takes a snapshot of the running member, as `etcdctl
// snapshot save` does (the same Maintenance.Snapshot call), and checks
// what etcdctl checks, the SHA-256 the member appends, and that the
// snapshot holds key, an object written through the API.
func checkSnapshot(ctx context.Context, t *testing.T, endpoint, key string) {
	t.Helper()
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, Context: ctx, Logger: zap.NewNop()})
	if err != nil {
		t.Fatalf("etcd client for %s: %v", endpoint, err)
	}
	defer c.Close()
	rc, err := c.Snapshot(ctx)
	if err != nil {
		t.Fatalf("snapshot of %s: %v", endpoint, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("snapshot of %s: %v", endpoint, err)
	}
	if len(data) <= sha256.Size {
		t.Fatalf("snapshot of %s: %d bytes", endpoint, len(data))
	}
	db, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if got := sha256.Sum256(db); !bytes.Equal(got[:], sum) {
		t.Fatalf("snapshot of %s: its SHA-256 does not match its content", endpoint)
	}
	if !bytes.Contains(db, []byte(key)) {
		t.Fatalf("snapshot of %s (%d bytes) does not hold %s", endpoint, len(db), key)
	}
}

// copyDir copies the data directory of a dead server, files and modes, as
// `cp -a` would: the backup of a stopped server.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		info, err := d.Info()
		if err != nil {
			return err
		}
		target := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(target, info.Mode().Perm())
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatalf("copy %s: %v", from, err)
	}
}

// checkBackup starts a server on the copy of the data directory taken
// after the kill: every write acknowledged before the kill is there, and
// the write made after the restart is not.
func checkBackup(ctx context.Context, t *testing.T, backup serveDirs, acked []ack, after string) {
	t.Helper()
	p := startServe(t, "127.0.0.1:0", backup, etcdFlags...)
	defer p.stop()
	cms := kubernetes.NewForConfigOrDie(p.config).CoreV1().ConfigMaps(namespace)
	list, err := cms.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list on the backup: %v", err)
	}
	stored := map[string]string{}
	for _, cm := range list.Items {
		stored[cm.Name] = cm.ResourceVersion
	}
	for _, a := range acked {
		if a.lifetime != 1 {
			continue
		}
		if got, ok := stored[a.name]; !ok || rv(t, got) < rv(t, a.rv) {
			t.Errorf("backup: ConfigMap %s at %q, acknowledged at %s before the kill", a.name, got, a.rv)
		}
	}
	if _, err := cms.Get(ctx, after, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("backup: ConfigMap %s, written after the backup: %v, want NotFound", after, err)
	}
}
