package memory

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/storage"
)

const (
	// watchBuffer is the capacity of a watcher's Events channel, and the
	// most entries it takes from the log in one pass. It absorbs a burst
	// while the consumer is busy encoding or writing to its socket. The
	// real backlog of a lagging watcher is the shared log, bounded by the
	// history window, so a bigger buffer would only duplicate it (etcd
	// uses 128, kine 100).
	watchBuffer = 100

	// scanLimit caps the log entries a watcher examines under one read
	// lock, so that a watcher replaying a long history of other prefixes
	// lets waiting writers in every few microseconds.
	scanLimit = 1000
)

// Watch streams the changes under prefix after opts.Revision (0: from now).
// History is replayed from the shared log, then the watcher waits for new
// writes; either way its one goroutine reads the log itself, so writers
// never wait for it. A watcher whose position falls out of the kept history
// (its consumer did not keep up) ends with ErrWatcherTooSlow. A revision
// older than the history fails at once with a *storage.CompactedError, one
// above the current revision with ErrFutureRevision.
func (s *Store) Watch(ctx context.Context, prefix string, opts storage.WatchOptions) (storage.Watcher, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	from, err := s.readable(opts.Revision)
	if err != nil {
		return nil, err
	}
	w := &watcher{
		Stream: storage.NewStream(watchBuffer),
		s:      s,
		prefix: prefix,
	}
	var tick clock.Timer
	if opts.ProgressNotify {
		// Started here rather than in the goroutine, so that a test can
		// step a fake clock as soon as Watch returns.
		tick = s.clock.NewTimer(s.progressInterval)
	}
	s.watchers.Add(1) // under s.mu, so a concurrent Close waits for it
	go w.run(ctx, from, tick)
	return w, nil
}

// watcher is one watch: a goroutine copying log entries into its stream.
type watcher struct {
	*storage.Stream
	s      *Store
	prefix string
}

// run is the watch goroutine: it delivers the changes after rev until the
// watch ends, then records why and closes the channel.
func (w *watcher) run(ctx context.Context, rev int64, tick clock.Timer) {
	defer w.s.watchers.Done()
	err := w.loop(ctx, rev, tick)
	if tick != nil {
		tick.Stop()
	}
	w.Finish(err)
}

// loop delivers log entries after rev, and Progress events when a tick
// finds the watch idle, until the watch ends.
func (w *watcher) loop(ctx context.Context, rev int64, tick clock.Timer) error {
	var tickC <-chan time.Time
	if tick != nil {
		tickC = tick.C()
	}
	var (
		batch    []*entry // reused between passes
		sent     bool     // an event went out since the last tick
		progress bool     // a tick found the watch idle: report once caught up
	)
	for {
		r, err := w.s.read(w.prefix, rev, batch[:0])
		if err != nil {
			return err
		}
		batch, rev = r.entries, r.rev
		for _, e := range batch {
			if err := w.send(ctx, newEvent(e), rev, r.compacted); err != nil {
				return err
			}
			sent = true
		}
		if !r.current {
			continue
		}
		if progress {
			// Every change up to rev under prefix is in the channel.
			ev := storage.Event{Type: storage.Progress, Revision: rev}
			if err := w.send(ctx, ev, rev, r.compacted); err != nil {
				return err
			}
			progress = false
		}
		select {
		case <-r.notify:
		case <-tickC:
			progress, sent = !sent, false
			tick.Reset(w.s.progressInterval)
		case <-ctx.Done():
			return storage.ErrWatchStopped
		case <-w.Stopped:
			return storage.ErrWatchStopped
		case <-w.s.done:
			return storage.ErrClosed
		}
	}
}

// send delivers ev unless the watch ends first. While the consumer is not
// reading it also wakes on compaction: once the history no longer holds
// the changes after rev (the watcher's position in the log) the watcher can
// never catch up, so it ends with ErrWatcherTooSlow rather than keep its
// goroutine waiting for a consumer that would only miss events.
func (w *watcher) send(ctx context.Context, ev storage.Event, rev int64, compacted <-chan struct{}) error {
	for {
		select {
		case w.C <- ev:
			return nil
		case <-compacted:
			var err error
			w.s.mu.RLock()
			compacted, err = w.s.keeps(rev)
			w.s.mu.RUnlock()
			if err != nil {
				return err
			}
		case <-ctx.Done():
			return storage.ErrWatchStopped
		case <-w.Stopped:
			return storage.ErrWatchStopped
		case <-w.s.done:
			return storage.ErrClosed
		}
	}
}

// logRead is what a watcher gets from one pass over the log.
type logRead struct {
	entries []*entry // the matching entries, oldest first
	rev     int64    // the log was read up to this revision
	current bool     // rev is the store's revision: the watcher caught up
	// notify and compacted are closed by the next write and compaction.
	notify    <-chan struct{}
	compacted <-chan struct{}
}

// read collects the entries under prefix after rev, appending to buf: at
// most watchBuffer of them, and at most scanLimit entries examined.
func (s *Store) read(prefix string, rev int64, buf []*entry) (logRead, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, err := s.keeps(rev); err != nil {
		return logRead{}, err
	}
	r := logRead{entries: buf, notify: s.notify, compacted: s.compacted}
	i := rev - s.compactRev // the index of revision rev+1
	end := min(int64(len(s.log)), i+scanLimit)
	for ; i < end && len(r.entries) < watchBuffer; i++ {
		if e := s.log[i]; strings.HasPrefix(e.key, prefix) {
			r.entries = append(r.entries, e)
		}
	}
	r.rev = s.compactRev + i
	r.current = r.rev == s.rev
	return r, nil
}

// keeps checks that the store is open and its log still holds every
// change after rev, and returns the channel closed by the next compaction.
// The caller must hold s.mu.
func (s *Store) keeps(rev int64) (<-chan struct{}, error) {
	switch {
	case s.closed:
		return nil, storage.ErrClosed
	case rev < s.compactRev:
		return nil, fmt.Errorf("watch at revision %d, history starts after %d: %w",
			rev, s.compactRev, storage.ErrWatcherTooSlow)
	}
	return s.compacted, nil
}

// newEvent copies e out for a watcher; Value and PrevValue share one
// allocation.
func newEvent(e *entry) storage.Event {
	ev := storage.Event{Type: storage.Put, Key: e.key, Revision: e.rev, CreateRevision: e.createRev}
	if e.deleted {
		ev.Type = storage.Delete
	}
	buf := make([]byte, 0, len(e.value)+len(e.prevValue))
	if e.value != nil {
		buf = append(buf, e.value...)
		ev.Value = buf[:len(buf):len(buf)]
	}
	if e.prevValue != nil {
		start := len(buf)
		buf = append(buf, e.prevValue...)
		ev.PrevValue = buf[start:len(buf):len(buf)]
	}
	return ev
}
