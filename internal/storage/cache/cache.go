// Package cache is the watch cache in front of a storage backend, as
// kube-apiserver's cacher sits in front of etcd: lists and watches are
// served from memory, kept current by one watch of the backend per cached
// prefix (one per resource in the API server), and writes, Get and reads
// at a past revision go to the backend.
//
// Consistency: a List at revision 0 (resourceVersion "", a consistent
// read) first asks the backend for its current revision and waits until
// the cache has seen it — the cache's watch delivers every change, and a
// progress notification (requested at once when the backend can) moves it
// past writes to other prefixes — so it returns what a read of the
// backend would, as kube-apiserver's consistent reads from cache do. If
// the cache does not get there in time the List goes to the backend. A
// Watch "from now" starts at the backend's current revision for the same
// reason.
package cache

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/storage"
)

const (
	// DefaultWindow is how many events each cached prefix keeps for
	// watches resuming from a resourceVersion; older ones are read from
	// the backend. It is the memory store's window: several seconds of a
	// busy simulated cluster.
	DefaultWindow = 10000

	// DefaultProgressInterval is how long a ProgressNotify watch stays
	// idle before it gets a Progress event (the memory store's period).
	DefaultProgressInterval = time.Second

	// consistentReadTimeout bounds the wait of a consistent List for the
	// cache to reach the backend's revision before it reads the backend
	// instead (kube-apiserver waits 3 s the same way).
	consistentReadTimeout = 3 * time.Second

	// progressRetry is how often a waiting consistent read asks the
	// backend for progress again: a request is answered only once every
	// watch on the stream has caught up.
	progressRetry = 50 * time.Millisecond

	// resyncDelay paces relisting after the cache's watch failed for a
	// reason other than compaction, so a backend that is down is not
	// hammered.
	resyncDelay = time.Second
)

// ProgressRequester is implemented by backends that can be asked for an
// immediate progress notification on their ProgressNotify watches of a
// prefix (etcd).
type ProgressRequester interface {
	RequestProgress(ctx context.Context, prefix string) error
}

// Options configures a Cache.
type Options struct {
	// Split maps a listed or watched prefix to the cached prefix covering
	// it; ok false sends the call to the backend. nil means
	// ResourcePrefix.
	Split func(prefix string) (cached string, ok bool)
	// Window is the number of events kept per cached prefix; 0 means
	// DefaultWindow.
	Window int
	// ProgressInterval is the idle time after which a ProgressNotify watch
	// gets a Progress event; 0 means DefaultProgressInterval.
	ProgressInterval time.Duration
	// Clock drives progress events; nil means the real clock.
	Clock clock.WithTicker
	// Log receives the cache's resyncs; nil means slog.Default().
	Log *slog.Logger
}

// ResourcePrefix caches per resource: "/<group>/<resource>/" for any
// prefix at or below it (the registry's key layout). Shorter prefixes are
// not cached.
func ResourcePrefix(prefix string) (string, bool) {
	parts := strings.SplitN(prefix, "/", 4) // "", group, resource, rest
	if len(parts) < 4 || parts[0] != "" || parts[1] == "" || parts[2] == "" {
		return "", false
	}
	return "/" + parts[1] + "/" + parts[2] + "/", true
}

// Cache is a storage.Interface serving lists and watches from memory.
type Cache struct {
	inner storage.Interface
	opts  Options

	// ctx ends the cachers' goroutines; cancel is called by Close.
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed by Close

	mu      sync.Mutex
	closed  bool
	cachers map[string]*cacher
	workers sync.WaitGroup // cachers' and watchers' goroutines
}

var _ storage.Interface = (*Cache)(nil)

// New returns a cache in front of inner. Cached prefixes start on first
// use; Close stops them and closes inner.
func New(inner storage.Interface, opts Options) *Cache {
	if opts.Split == nil {
		opts.Split = ResourcePrefix
	}
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	if opts.ProgressInterval <= 0 {
		opts.ProgressInterval = DefaultProgressInterval
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Cache{inner: inner, opts: opts, ctx: ctx, cancel: cancel, done: make(chan struct{}), cachers: map[string]*cacher{}}
}

// Create, Get, Update, Delete, Revision and Compact go to the backend.

// Create stores a new key in the backend.
func (c *Cache) Create(ctx context.Context, key string, value []byte) (storage.KeyValue, error) {
	return c.inner.Create(ctx, key, value)
}

// Get reads the backend (a linearizable read, as kube-apiserver's Get
// with resourceVersion "").
func (c *Cache) Get(ctx context.Context, key string) (storage.KeyValue, error) {
	return c.inner.Get(ctx, key)
}

// Update is the backend's compare-and-swap.
func (c *Cache) Update(ctx context.Context, key string, value []byte, expectedRevision int64) (storage.KeyValue, error) {
	return c.inner.Update(ctx, key, value, expectedRevision)
}

// Delete removes key in the backend.
func (c *Cache) Delete(ctx context.Context, key string, expectedRevision int64) (storage.KeyValue, error) {
	return c.inner.Delete(ctx, key, expectedRevision)
}

// Revision is the backend's current revision.
func (c *Cache) Revision(ctx context.Context) (int64, error) { return c.inner.Revision(ctx) }

// Compact compacts the backend, and the cache stops serving watches from
// before revision (they go to the backend, which refuses them).
func (c *Cache) Compact(ctx context.Context, revision int64) error {
	if err := c.inner.Compact(ctx, revision); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range c.cachers {
		ch.compacted(revision)
	}
	return nil
}

// List serves a read at revision 0 from the cache once it has caught up
// with the backend; reads at a past revision (continued pages) go to the
// backend.
func (c *Cache) List(ctx context.Context, prefix string, opts storage.ListOptions) (storage.ListResult, error) {
	ch, err := c.cacherFor(prefix)
	if err != nil {
		return storage.ListResult{}, err
	}
	if ch == nil || opts.Revision != 0 {
		return c.inner.List(ctx, prefix, opts)
	}
	rev, err := c.inner.Revision(ctx)
	if err != nil {
		return storage.ListResult{}, err
	}
	if !ch.waitFor(ctx, rev, c.opts.Clock.Now()) {
		if err := ctx.Err(); err != nil {
			return storage.ListResult{}, err
		}
		return c.inner.List(ctx, prefix, opts)
	}
	return ch.list(prefix, opts)
}

// Close stops the cache's watches (open watches end with ErrClosed), then
// closes the backend.
func (c *Cache) Close() error {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.done)
		c.cancel()
	}
	c.mu.Unlock()
	c.workers.Wait()
	return c.inner.Close()
}

// cacherFor returns the running cacher of prefix's cached prefix, starting
// it on first use; nil if prefix is not cached.
func (c *Cache) cacherFor(prefix string) (*cacher, error) {
	cached, ok := c.opts.Split(prefix)
	if !ok {
		return nil, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, storage.ErrClosed
	}
	ch := c.cachers[cached]
	if ch == nil {
		ch = newCacher(c, cached)
		c.cachers[cached] = ch
		c.spawn(ch.run)
	}
	return ch, nil
}

// spawn runs f in a goroutine Close waits for. The caller holds c.mu and has
// checked that the cache is open.
func (c *Cache) spawn(f func()) {
	c.workers.Add(1)
	go func() {
		defer c.workers.Done()
		f()
	}()
}
