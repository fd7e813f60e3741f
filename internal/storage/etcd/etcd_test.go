package etcd_test

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/evictd/evictd/internal/storage"
	"github.com/evictd/evictd/internal/storage/etcd"
	"github.com/evictd/evictd/internal/storage/etcd/etcdtest"
	"github.com/evictd/evictd/internal/storage/storagetest"
)

// newStore starts an etcd of its own for t (the suite counts revisions and
// compacts) and a Store on it.
func newStore(t *testing.T, cfg etcd.Config) *etcd.Store {
	t.Helper()
	cfg.Client = etcdtest.Start(t)
	if cfg.ProgressInterval == 0 {
		// A short progress interval keeps the suite's progress test fast.
		cfg.ProgressInterval = 10 * time.Millisecond
	}
	s, err := etcd.New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Interface {
		return newStore(t, etcd.Config{})
	})
}

// TestMain fails the package if a goroutine (a watch, the compactor, an
// etcd server) outlives the tests.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
