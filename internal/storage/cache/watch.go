package cache

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/storage"
)

// watchBuffer is a watcher's channel capacity and the most events it takes
// from the log in one pass (the memory store's watchBuffer). A lagging
// watcher's real backlog is the shared log, bounded by the window.
const watchBuffer = 100

// Watch serves a watch from the cache's log when the log reaches back to
// the revision; older revisions (and prefixes that are not cached) are
// watched on the backend, which replays its history or refuses a
// compacted revision. "From now" is the backend's current revision, so a
// write acknowledged before Watch was called is never delivered.
func (c *Cache) Watch(ctx context.Context, prefix string, opts storage.WatchOptions) (storage.Watcher, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ch, err := c.cacherFor(prefix)
	if err != nil {
		return nil, err
	}
	if ch == nil {
		return c.inner.Watch(ctx, prefix, opts)
	}
	cur, err := c.inner.Revision(ctx)
	if err != nil {
		return nil, err
	}
	from := opts.Revision
	switch {
	case from < 0:
		return nil, fmt.Errorf("invalid revision %d", from)
	case from == 0:
		from = cur
	case from > cur:
		return nil, fmt.Errorf("watch from revision %d (current %d): %w", from, cur, storage.ErrFutureRevision)
	}
	select {
	case <-ch.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.done:
		return nil, storage.ErrClosed
	}
	ch.mu.RLock()
	inLog := from >= ch.logStart && from >= ch.floor
	ch.mu.RUnlock()
	if !inLog {
		return c.inner.Watch(ctx, prefix, opts)
	}
	w := &watcher{
		Stream: storage.NewStream(watchBuffer),
		ch:     ch,
		prefix: prefix,
	}
	var tick clock.Timer
	if opts.ProgressNotify {
		tick = c.opts.Clock.NewTimer(c.opts.ProgressInterval)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		if tick != nil {
			tick.Stop()
		}
		return nil, storage.ErrClosed
	}
	c.spawn(func() { w.run(ctx, from, tick) })
	return w, nil
}

// watcher is one watch served from a cacher's log. Err is nil after Stop
// or a cancelled context, else ErrClosed or ErrWatcherTooSlow (the log
// moved past it, or the cache relisted).
type watcher struct {
	*storage.Stream
	ch     *cacher
	prefix string
}

func (w *watcher) run(ctx context.Context, rev int64, tick clock.Timer) {
	err := w.loop(ctx, rev, tick)
	if tick != nil {
		tick.Stop()
	}
	w.Finish(err)
}

// loop delivers the log's events after rev, and Progress events when a
// tick finds the watch idle, until the watch ends (the memory store's
// watcher, reading the cacher's log instead).
func (w *watcher) loop(ctx context.Context, rev int64, tick clock.Timer) error {
	var tickC <-chan time.Time
	if tick != nil {
		tickC = tick.C()
	}
	var batch []storage.Event
	sent, progress := false, false
	for {
		r, err := w.read(rev, batch[:0])
		if err != nil {
			return err
		}
		batch, rev = r.events, r.rev
		for _, ev := range batch {
			if err := w.send(ctx, ev); err != nil {
				return err
			}
			sent = true
		}
		if !r.current {
			continue
		}
		if progress {
			if err := w.send(ctx, storage.Event{Type: storage.Progress, Revision: rev}); err != nil {
				return err
			}
			progress = false
		}
		select {
		case <-r.notify:
		case <-tickC:
			progress, sent = !sent, false
			tick.Reset(w.ch.c.opts.ProgressInterval)
		case <-ctx.Done():
			return storage.ErrWatchStopped
		case <-w.Stopped:
			return storage.ErrWatchStopped
		case <-w.ch.c.done:
			return storage.ErrClosed
		}
	}
}

// logRead is one pass over the log.
type logRead struct {
	events  []storage.Event
	rev     int64 // everything up to rev has been read
	current bool  // rev is the cacher's revision
	notify  <-chan struct{}
}

// read copies the events under the watcher's prefix after rev, at most
// watchBuffer of them.
func (w *watcher) read(rev int64, buf []storage.Event) (logRead, error) {
	ch := w.ch
	ch.mu.RLock()
	defer ch.mu.RUnlock()
	select {
	case <-ch.c.done:
		return logRead{}, storage.ErrClosed
	default:
	}
	if rev < ch.logStart {
		return logRead{}, fmt.Errorf("watch at revision %d, the cache's history starts after %d: %w", rev, ch.logStart, storage.ErrWatcherTooSlow)
	}
	r := logRead{events: buf, notify: ch.notify}
	i := sort.Search(len(ch.log), func(i int) bool { return ch.log[i].Revision > rev })
	for ; i < len(ch.log) && len(r.events) < watchBuffer; i++ {
		if ev := ch.log[i]; strings.HasPrefix(ev.Key, w.prefix) {
			r.events = append(r.events, copyEvent(ev))
		}
	}
	switch {
	case i < len(ch.log):
		r.rev = ch.log[i-1].Revision
	default:
		// Caught up: progress notifications may have moved rev past the
		// last event.
		r.rev, r.current = max(rev, ch.rev), true
	}
	return r, nil
}

// send delivers ev unless the watch ends first.
func (w *watcher) send(ctx context.Context, ev storage.Event) error {
	select {
	case w.C <- ev:
		return nil
	case <-ctx.Done():
		return storage.ErrWatchStopped
	case <-w.Stopped:
		return storage.ErrWatchStopped
	case <-w.ch.c.done:
		return storage.ErrClosed
	}
}

// copyEvent gives each watcher values of its own: the log's are shared.
func copyEvent(ev storage.Event) storage.Event {
	buf := make([]byte, 0, len(ev.Value)+len(ev.PrevValue))
	if ev.Value != nil {
		buf = append(buf, ev.Value...)
		ev.Value = buf[:len(buf):len(buf)]
	}
	if ev.PrevValue != nil {
		start := len(buf)
		buf = append(buf, ev.PrevValue...)
		ev.PrevValue = buf[start:len(buf):len(buf)]
	}
	return ev
}
