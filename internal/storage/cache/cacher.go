package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/btree"

	"github.com/evictd/evictd/internal/storage"
)

// btreeDegree is the memory store's B-tree fan-out (see memory.btreeDegree).
const btreeDegree = 32

// cacher mirrors one prefix of the backend: the current state and a window
// of recent events, fed by one backend watch.
type cacher struct {
	c      *Cache
	prefix string

	mu sync.RWMutex
	// state holds every key under prefix as of rev.
	state *btree.BTreeG[storage.KeyValue]
	// rev is the revision the cache has seen everything up to (an event's
	// or a progress notification's).
	rev int64
	// log holds the events after logStart, in revision order: a watch
	// from any revision >= logStart is served from it.
	log      []storage.Event
	logStart int64
	// floor is the highest revision compacted through the cache: watches
	// from below it go to the backend (which refuses them).
	floor int64
	// ready is closed once the first list is loaded; notify is closed and
	// replaced whenever rev moves or the log restarts.
	ready  chan struct{}
	notify chan struct{}

	// progressSent is when the last progress request for the prefix was
	// sent; progressMu guards it.
	progressMu   sync.Mutex
	progressSent time.Time
}

func newCacher(c *Cache, prefix string) *cacher {
	return &cacher{
		c:      c,
		prefix: prefix,
		state:  btree.NewG(btreeDegree, func(a, b storage.KeyValue) bool { return a.Key < b.Key }),
		ready:  make(chan struct{}),
		notify: make(chan struct{}),
	}
}

// run keeps the cache current until the Cache closes: list, then watch
// from the list's revision; when the watch fails (the backend compacted
// past it, or a connection broke), list again.
func (ch *cacher) run() {
	ctx := ch.c.ctx
	for ctx.Err() == nil {
		err := ch.sync(ctx)
		if ctx.Err() != nil || errors.Is(err, storage.ErrClosed) {
			return
		}
		ch.c.opts.Log.Warn("watch cache: relisting", slog.String("prefix", ch.prefix), slog.Any("err", err))
		if !errors.Is(err, storage.ErrCompacted) && !errors.Is(err, storage.ErrWatcherTooSlow) {
			select {
			case <-ch.c.opts.Clock.After(resyncDelay):
			case <-ctx.Done():
				return
			}
		}
	}
}

// sync loads the prefix and applies the backend's events until its watch
// ends, and says why.
func (ch *cacher) sync(ctx context.Context) error {
	res, err := ch.c.inner.List(ctx, ch.prefix, storage.ListOptions{})
	if err != nil {
		return fmt.Errorf("list %s: %w", ch.prefix, err)
	}
	w, err := ch.c.inner.Watch(ctx, ch.prefix, storage.WatchOptions{Revision: res.Revision, ProgressNotify: true})
	if err != nil {
		return fmt.Errorf("watch %s: %w", ch.prefix, err)
	}
	defer w.Stop()
	ch.reset(res)
	for ev := range w.Events() {
		ch.apply(ev)
	}
	if err := w.Err(); err != nil {
		return err
	}
	return errors.New("the backend ended the watch")
}

// reset replaces the state with a list. The log restarts at the list's
// revision, so watches positioned before it end (their clients relist).
func (ch *cacher) reset(res storage.ListResult) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	ch.state.Clear(false)
	for _, kv := range res.KVs {
		ch.state.ReplaceOrInsert(kv)
	}
	ch.rev, ch.logStart, ch.log = res.Revision, res.Revision, nil
	select {
	case <-ch.ready:
	default:
		close(ch.ready)
	}
	ch.wake()
}

// apply records one event of the backend's watch.
func (ch *cacher) apply(ev storage.Event) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	switch ev.Type {
	case storage.Progress:
		if ev.Revision <= ch.rev {
			return
		}
	case storage.Put:
		ch.state.ReplaceOrInsert(storage.KeyValue{Key: ev.Key, Value: ev.Value, CreateRevision: ev.CreateRevision, ModRevision: ev.Revision})
		ch.log = append(ch.log, ev)
	case storage.Delete:
		ch.state.Delete(storage.KeyValue{Key: ev.Key})
		ch.log = append(ch.log, ev)
	}
	ch.rev = max(ch.rev, ev.Revision)
	if window := ch.c.opts.Window; len(ch.log) > 2*window {
		// Trim to the window in one copy every window events.
		drop := len(ch.log) - window
		ch.logStart = ch.log[drop-1].Revision
		ch.log = slices.Clone(ch.log[drop:])
	}
	ch.wake()
}

// compacted stops serving watches from before revision.
func (ch *cacher) compacted(revision int64) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	ch.floor = max(ch.floor, revision)
}

// wake tells waiting readers and watchers that something changed. The
// caller holds ch.mu for writing.
func (ch *cacher) wake() {
	close(ch.notify)
	ch.notify = make(chan struct{})
}

// waitFor waits until the cache has seen revision rev, which the backend
// reported before since, asking the backend for a progress notification at
// once and again every progressRetry; false if it did not see rev within
// consistentReadTimeout or ctx ended.
func (ch *cacher) waitFor(ctx context.Context, rev int64, since time.Time) bool {
	clk := ch.c.opts.Clock
	deadline := clk.NewTimer(consistentReadTimeout)
	defer deadline.Stop()
	requester, _ := ch.c.inner.(ProgressRequester)
	var retry <-chan time.Time
	for {
		ch.mu.RLock()
		ready, cur, notify := ch.isReady(), ch.rev, ch.notify
		ch.mu.RUnlock()
		if ready && cur >= rev {
			return true
		}
		loaded := ch.ready // wakes the wait once, when the first list is in
		if ready {
			loaded = nil // closed: it would wake every time
		}
		if ready && requester != nil && retry == nil {
			// Failure only delays the answer to the deadline.
			_ = ch.requestProgress(ctx, requester, since)
			since = clk.Now() // the retry shares only a request sent after this one
			retry = clk.After(progressRetry)
		}
		select {
		case <-notify:
		case <-loaded:
		case <-retry:
			retry = nil
		case <-deadline.C():
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// requestProgress asks the backend for a progress notification on the
// prefix, unless a request was sent after since: its answer carries a
// revision at least as new as any the caller read before since, so
// consistent reads waiting together share one request instead of each
// sending its own (each request makes etcd answer every watch of the
// prefix's stream).
func (ch *cacher) requestProgress(ctx context.Context, requester ProgressRequester, since time.Time) error {
	ch.progressMu.Lock()
	if ch.progressSent.After(since) {
		ch.progressMu.Unlock()
		return nil
	}
	ch.progressSent = ch.c.opts.Clock.Now()
	ch.progressMu.Unlock()
	return requester.RequestProgress(ctx, ch.prefix)
}

// isReady reports whether the first list is loaded.
func (ch *cacher) isReady() bool {
	select {
	case <-ch.ready:
		return true
	default:
		return false
	}
}

// list answers a List at the cache's current revision. Values are copied
// into one allocation, so the caller owns them.
func (ch *cacher) list(prefix string, opts storage.ListOptions) (storage.ListResult, error) {
	ch.mu.RLock()
	defer ch.mu.RUnlock()
	res := storage.ListResult{Revision: ch.rev}
	from := max(prefix, opts.StartKey)
	var size int
	var count int64
	ch.state.AscendGreaterOrEqual(storage.KeyValue{Key: from}, func(kv storage.KeyValue) bool {
		if !strings.HasPrefix(kv.Key, prefix) {
			return false
		}
		if opts.Limit > 0 && int64(len(res.KVs)) >= opts.Limit {
			count++
			return true
		}
		res.KVs = append(res.KVs, kv)
		size += len(kv.Value)
		return true
	})
	if count > 0 {
		res.More, res.Remaining = true, count
	}
	values := make([]byte, 0, size)
	for i, kv := range res.KVs {
		start := len(values)
		values = append(values, kv.Value...)
		res.KVs[i].Value = values[start:len(values):len(values)]
	}
	return res, nil
}
