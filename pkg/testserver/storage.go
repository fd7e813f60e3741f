package testserver

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/evictd/evictd/internal/storage"
	"github.com/evictd/evictd/internal/storage/cache"
	"github.com/evictd/evictd/internal/storage/etcd"
	"github.com/evictd/evictd/internal/storage/memory"
)

// The values of Options.Storage.
const (
	// StorageMemory keeps the objects in a fresh in-memory store, as
	// `evictd serve` does by default. It is the zero value's choice.
	StorageMemory = "memory"
	// StorageEtcd keeps them in etcd behind the watch cache, as `evictd
	// serve --storage=etcd-embedded` or `--etcd-servers` does: an etcd
	// started inside the process for this server, or the cluster at
	// Options.EtcdServers.
	StorageEtcd = "etcd"
)

// openStorage builds the store opts ask for. cleanup, never nil, releases
// what the store leaves behind once it is closed (the embedded etcd's
// temporary directory).
func openStorage(ctx context.Context, opts Options) (st storage.Interface, cleanup func() error, err error) {
	none := func() error { return nil }
	switch opts.Storage {
	case "", StorageMemory:
		if len(opts.EtcdServers) > 0 {
			return nil, none, errors.New("testserver: EtcdServers needs Storage " + StorageEtcd)
		}
		return memory.New(memory.Options{}), none, nil
	case StorageEtcd:
	default:
		return nil, none, fmt.Errorf("testserver: Storage %q: want %q or %q", opts.Storage, StorageMemory, StorageEtcd)
	}
	// The etcd's logs would drown the test's; its failures surface as the
	// API's errors.
	cfg := etcd.Config{Log: slog.New(slog.DiscardHandler)}
	if len(opts.EtcdServers) > 0 {
		// A prefix of its own, so that servers on one etcd stay apart.
		cfg.Prefix = "/evictd-testserver-" + rand.Text()
		s, err := etcd.OpenExternal(ctx, etcd.ClientConfig{Servers: opts.EtcdServers, Log: cfg.Log}, cfg)
		if err != nil {
			return nil, none, fmt.Errorf("testserver: %w", err)
		}
		return withWatchCache(s), none, nil
	}
	dir, err := os.MkdirTemp("", "evictd-testserver-etcd-")
	if err != nil {
		return nil, none, fmt.Errorf("testserver: %w", err)
	}
	removeDir := func() error { return os.RemoveAll(dir) }
	// No fsync: a test's objects need not survive a power cut, and etcd is
	// several times faster without it.
	s, err := etcd.OpenEmbedded(ctx, etcd.EmbeddedConfig{Dir: dir, UnsafeNoFsync: true, Log: cfg.Log}, cfg)
	if err != nil {
		return nil, none, errors.Join(fmt.Errorf("testserver: %w", err), removeDir())
	}
	return withWatchCache(s), removeDir, nil
}

// withWatchCache puts the watch cache in front of an etcd store, as serve
// does; closing the cache closes the store and its etcd.
func withWatchCache(s *etcd.Store) storage.Interface {
	return cache.New(s, cache.Options{Log: slog.New(slog.DiscardHandler)})
}
