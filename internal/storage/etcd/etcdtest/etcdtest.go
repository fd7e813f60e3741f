// Package etcdtest starts a real single-member etcd for tests: in the test
// process, on 127.0.0.1, with its data in t.TempDir(). No external binary
// and no mock.
package etcdtest

import (
	"log/slog"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/evictd/evictd/internal/storage/etcd"
)

// Start starts an empty etcd that is stopped when t ends, and returns a
// client connected to it. It skips fsync: a test's data need not survive
// a crash.
func Start(t testing.TB) *clientv3.Client {
	t.Helper()
	e, err := etcd.StartEmbedded(t.Context(), etcd.EmbeddedConfig{
		Dir:           t.TempDir(),
		UnsafeNoFsync: true,
		Log:           slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("start etcd: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("stop etcd: %v", err)
		}
	})
	return e.Client()
}
