package server_test

import (
	"log/slog"
	"testing"

	"github.com/evictd/evictd/internal/storage"
	"github.com/evictd/evictd/internal/storage/cache"
	"github.com/evictd/evictd/internal/storage/etcd"
	"github.com/evictd/evictd/internal/storage/etcd/etcdtest"
	"github.com/evictd/evictd/internal/storage/memory"
	"github.com/evictd/evictd/pkg/testserver"
)

// backends are the storage backends the eviction HTTP tests run on, as
// testserver names them: serve's default memory store, and etcd behind the
// watch cache as `evictd serve --storage=etcd-embedded` builds it.
var backends = []string{testserver.StorageMemory, testserver.StorageEtcd}

// eachBackend runs f in a parallel subtest per backend, named after it, so
// that a failure says which.
func eachBackend(t *testing.T, f func(t *testing.T, backend string)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			f(t, b)
		})
	}
}

// newStorage builds backend's store for a server.Config: a memory store,
// or an etcd started for t (without fsync) behind the watch cache. The
// server closes it on Shutdown; the etcd stops when t ends.
func newStorage(t *testing.T, backend string) storage.Interface {
	t.Helper()
	switch backend {
	case testserver.StorageMemory:
		return memory.New(memory.Options{})
	case testserver.StorageEtcd:
		log := slog.New(slog.DiscardHandler)
		st, err := etcd.New(t.Context(), etcd.Config{Client: etcdtest.Start(t), Log: log})
		if err != nil {
			t.Fatal(err)
		}
		return cache.New(st, cache.Options{Log: log})
	}
	t.Fatalf("unknown storage backend %q", backend)
	return nil
}
