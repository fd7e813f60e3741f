// Package etcd is the etcd backend of storage.Interface, built on
// go.etcd.io/etcd/client/v3 the way kube-apiserver's etcd3 storage is:
//
//   - a storage key K is the etcd key Prefix+K ("/registry/pods/ns/name"
//     with the default prefix, as kube-apiserver lays them out);
//   - values are stored as given (the registry hands protobuf);
//   - a KeyValue's ModRevision and CreateRevision are etcd's, so every
//     write takes exactly one etcd revision and a resourceVersion is etcd's
//     mod revision;
//   - Update and conditional Delete are one etcd transaction comparing the
//     key's mod revision, Create one comparing its create revision with 0;
//   - Watch is an etcd watch from a revision, with previous values, and
//     progress requests for bookmarks;
//   - a compacted revision gives *storage.CompactedError (410 Expired), and
//     a compactor compacts every CompactionInterval as kube-apiserver does.
//
// The Store closes its client only if it is given as Config.Closer.
package etcd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/storage"
)

const (
	// DefaultPrefix is where the keys live in etcd, as kube-apiserver's
	// --etcd-prefix default.
	DefaultPrefix = "/registry"

	// DefaultCompactionInterval is kube-apiserver's
	// --etcd-compaction-interval: every interval the history older than
	// the previous interval's revision is compacted, so a watch can resume
	// from a resourceVersion for about that long.
	DefaultCompactionInterval = 5 * time.Minute

	// DefaultProgressInterval is how long a ProgressNotify watch stays idle
	// before the store asks etcd for a progress notification. kube-apiserver
	// sends bookmarks about once a minute; a second lets the API server
	// pick its own period, at the cost of one small request per idle
	// stream per second.
	DefaultProgressInterval = time.Second
)

// Config configures a Store.
type Config struct {
	// Client talks to etcd; required. The Store closes it only as Closer.
	Client *clientv3.Client
	// Prefix is prepended to every key; "" means DefaultPrefix. A trailing
	// '/' is dropped.
	Prefix string
	// CompactionInterval is the compactor's period; 0 means
	// DefaultCompactionInterval, a negative value turns the compactor off
	// (another API server, or etcd's own auto-compaction, then does it).
	CompactionInterval time.Duration
	// ProgressInterval is the idle time after which a ProgressNotify watch
	// gets a Progress event; 0 means DefaultProgressInterval.
	ProgressInterval time.Duration
	// Clock drives the compactor and the progress requests; nil means the
	// real clock.
	Clock clock.WithTicker
	// Log receives the compactor's failures; nil means slog.Default().
	Log *slog.Logger
	// Closer, if set, is closed by Close after the store: the embedded
	// etcd or the client the store was made for, so that whoever closes
	// the storage releases it all.
	Closer io.Closer
}

// Store is the etcd backend. Its zero value is not usable; call New.
type Store struct {
	client           *clientv3.Client
	prefix           string
	clock            clock.WithTicker
	progressInterval time.Duration
	log              *slog.Logger
	closer           io.Closer

	// done is closed by Close: watches end with ErrClosed, the compactor
	// stops, and every method fails with ErrClosed.
	done      chan struct{}
	closeOnce sync.Once
	// workers counts the watch goroutines and the compactor; Close waits
	// for them.
	workers sync.WaitGroup
	// mu orders workers.Add after a check of done against Close's Wait.
	mu     sync.Mutex
	closed bool
}

var _ storage.Interface = (*Store)(nil)

// New returns a Store on cfg.Client and starts its compactor, which runs
// until Close or until ctx ends.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Client == nil {
		return nil, errors.New("etcd storage: Client is required")
	}
	prefix := strings.TrimSuffix(cfg.Prefix, "/")
	if cfg.Prefix == "" {
		prefix = DefaultPrefix
	}
	s := &Store{
		client:           cfg.Client,
		prefix:           prefix,
		clock:            cfg.Clock,
		progressInterval: cfg.ProgressInterval,
		log:              cfg.Log,
		closer:           cfg.Closer,
		done:             make(chan struct{}),
	}
	if s.clock == nil {
		s.clock = clock.RealClock{}
	}
	if s.progressInterval <= 0 {
		s.progressInterval = DefaultProgressInterval
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	interval := cfg.CompactionInterval
	if interval == 0 {
		interval = DefaultCompactionInterval
	}
	if interval > 0 {
		// The ticker exists before New returns, so a test can step a fake
		// clock at once.
		t := s.clock.NewTicker(interval)
		s.start(func() { s.compactor(ctx, t) })
	}
	return s, nil
}

// Prefix returns the etcd key prefix of the store's keys.
func (s *Store) Prefix() string { return s.prefix }

// Revision returns etcd's current revision (a linearizable read).
func (s *Store) Revision(ctx context.Context) (int64, error) {
	if err := s.open(); err != nil {
		return 0, err
	}
	resp, err := s.client.Get(ctx, s.prefix, clientv3.WithCountOnly())
	if err != nil {
		return 0, s.wrap(ctx, "revision", 0, err)
	}
	return resp.Header.Revision, nil
}

// Close ends every watch with ErrClosed, stops the compactor and waits for
// their goroutines, then closes Config.Closer. Every other method then
// fails with ErrClosed; a second Close does nothing.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.done)
		s.mu.Unlock()
		s.workers.Wait()
		if s.closer != nil {
			err = s.closer.Close()
		}
	})
	s.workers.Wait()
	return err
}

// start runs f in a goroutine Close waits for; it reports false (and does
// not run f) once the store is closed.
func (s *Store) start(f func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.workers.Add(1)
	go func() {
		defer s.workers.Done()
		f()
	}()
	return true
}

// open fails with ErrClosed once Close has been called.
func (s *Store) open() error {
	select {
	case <-s.done:
		return storage.ErrClosed
	default:
		return nil
	}
}

// etcdKey and storageKey convert between the two key spaces.
func (s *Store) etcdKey(key string) string { return s.prefix + key }

func (s *Store) storageKey(etcdKey []byte) string {
	return strings.TrimPrefix(string(etcdKey), s.prefix)
}

// wrap turns an etcd error into the storage's: compaction and future
// revisions become their typed errors (rev is the requested revision),
// a closed store ErrClosed; others are wrapped with what failed.
func (s *Store) wrap(ctx context.Context, what string, rev int64, err error) error {
	switch {
	case s.open() != nil:
		return storage.ErrClosed
	case errors.Is(err, rpctypes.ErrCompacted):
		return &storage.CompactedError{Requested: rev, Oldest: s.oldest(ctx, rev)}
	case errors.Is(err, rpctypes.ErrFutureRev):
		return fmt.Errorf("%s at revision %d: %w", what, rev, storage.ErrFutureRevision)
	}
	return fmt.Errorf("etcd %s: %w", what, err)
}

// notFound and exists wrap the sentinels with the key.
func notFound(key string) error { return fmt.Errorf("%s: %w", key, storage.ErrKeyNotFound) }
func exists(key string) error   { return fmt.Errorf("%s: %w", key, storage.ErrKeyExists) }

// validKey refuses the empty key, which would address the prefix itself.
func validKey(key string) error {
	if key == "" {
		return errors.New("empty key")
	}
	return nil
}
