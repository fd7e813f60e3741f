package etcd

import (
	"context"
	"errors"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/metadata"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/storage"
)

// watchBuffer is the capacity of a watcher's Events channel: it absorbs a
// burst while the consumer encodes or writes to its socket (etcd's own
// watch channels hold 128, the memory backend's 100). Behind it the etcd
// client buffers the stream without bound, as it does for kube-apiserver;
// the compaction window bounds how far a consumer can usefully fall behind.
const watchBuffer = 100

// Watch streams the changes under prefix after opts.Revision (0: from now)
// through one etcd watch with previous values. "From now" reads etcd's
// revision first and watches from there, so no write that follows
// Watch's return can be missed while etcd registers the watch. A revision
// above the current one fails with ErrFutureRevision; a compacted one ends
// the watch with a *storage.CompactedError (etcd reports compaction on the
// stream).
//
// The watches of one prefix share one gRPC stream, and each prefix has its
// own (the etcd client groups watches by the context's metadata, which
// names the prefix here). A ProgressNotify watch idle for the progress
// interval asks etcd for progress on its stream; etcd answers every watch
// on that stream once they have all caught up, with the current revision,
// and each ProgressNotify watch passes it on. So a progress request for one
// resource neither waits for nor wakes the watches of the others.
func (s *Store) Watch(ctx context.Context, prefix string, opts storage.WatchOptions) (storage.Watcher, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := s.open(); err != nil {
		return nil, err
	}
	cur, err := s.Revision(ctx)
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
	wctx, cancel := context.WithCancel(streamContext(ctx, prefix))
	w := &watcher{
		Stream:    storage.NewStream(watchBuffer),
		s:         s,
		requested: opts.Revision,
		progress:  opts.ProgressNotify,
		cancel:    cancel,
	}
	w.from = from
	// Watching from the revision itself rather than the next one makes etcd
	// refuse a compacted revision exactly as List does (etcd would let a
	// watch start at the compacted revision, whose changes have lost their
	// previous values); run drops the changes at from itself.
	ops := []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithRev(from), clientv3.WithPrevKV()}
	var tick clock.Timer
	if opts.ProgressNotify {
		ops = append(ops, clientv3.WithProgressNotify())
		// Started here rather than in the goroutine, so that a test can
		// step a fake clock as soon as Watch returns.
		tick = s.clock.NewTimer(s.progressInterval)
	}
	events := s.client.Watch(wctx, s.etcdKey(prefix), ops...)
	if !s.start(func() { w.run(wctx, events, tick) }) {
		cancel()
		if tick != nil {
			tick.Stop()
		}
		return nil, storage.ErrClosed
	}
	return w, nil
}

// watcher is one watch: a goroutine copying etcd's responses into its
// stream. Err is nil after Stop or a cancelled context, else ErrClosed, a
// *storage.CompactedError, or etcd's error.
type watcher struct {
	*storage.Stream
	s         *Store
	requested int64 // the revision asked for, reported in a CompactedError
	from      int64 // events at or below it are not delivered
	progress  bool  // pass Progress events on
	cancel    context.CancelFunc
}

// run is the watch goroutine: it delivers events until the watch ends,
// cancels the etcd watch, and finishes the stream with why.
func (w *watcher) run(ctx context.Context, events clientv3.WatchChan, tick clock.Timer) {
	err := w.loop(ctx, events, tick)
	w.cancel()
	if tick != nil {
		tick.Stop()
	}
	w.Finish(err)
}

// loop passes etcd's responses on, and asks for progress when a tick finds
// the watch idle, until the watch ends.
func (w *watcher) loop(ctx context.Context, events clientv3.WatchChan, tick clock.Timer) error {
	var tickC <-chan time.Time
	if tick != nil {
		tickC = tick.C()
	}
	sent := false // an event went out since the last tick
	for {
		select {
		case wr, ok := <-events:
			if !ok {
				return w.ended(ctx, errors.New("etcd closed the watch"))
			}
			if err := wr.Err(); err != nil {
				if wr.CompactRevision != 0 {
					return &storage.CompactedError{Requested: w.requested, Oldest: wr.CompactRevision}
				}
				return w.ended(ctx, fmt.Errorf("etcd watch: %w", err))
			}
			if wr.IsProgressNotify() {
				if w.progress {
					if err := w.send(ctx, storage.Event{Type: storage.Progress, Revision: wr.Header.Revision}); err != nil {
						return err
					}
				}
				continue
			}
			for _, e := range wr.Events {
				if e.Kv.ModRevision <= w.from {
					continue
				}
				ev, err := w.s.event(e)
				if err != nil {
					return err
				}
				if err := w.send(ctx, ev); err != nil {
					return err
				}
				sent = true
			}
		case <-tickC:
			if !sent {
				// Failure only means the stream is going away, which the
				// events channel reports.
				_ = w.s.client.RequestProgress(ctx)
			}
			sent = false
			tick.Reset(w.s.progressInterval)
		case <-ctx.Done():
			return w.ended(ctx, nil)
		case <-w.Stopped:
			return storage.ErrWatchStopped
		case <-w.s.done:
			return storage.ErrClosed
		}
	}
}

// ended says why the etcd side of the watch ended: the store's Close, the
// owner's context, or err.
func (w *watcher) ended(ctx context.Context, err error) error {
	switch {
	case w.s.open() != nil:
		return storage.ErrClosed
	case ctx.Err() != nil:
		return storage.ErrWatchStopped
	}
	return err
}

// send delivers ev unless the watch ends first.
func (w *watcher) send(ctx context.Context, ev storage.Event) error {
	select {
	case w.C <- ev:
		return nil
	case <-ctx.Done():
		return w.ended(ctx, nil)
	case <-w.Stopped:
		return storage.ErrWatchStopped
	case <-w.s.done:
		return storage.ErrClosed
	}
}

// event converts an etcd event. Updates and deletions need the previous
// value (the API server derives DELETED and selector transitions from it);
// etcd drops it only when it was compacted away meanwhile, and the watch
// then ends so its client relists, as kube-apiserver's watcher does.
func (s *Store) event(e *clientv3.Event) (storage.Event, error) {
	ev := storage.Event{Key: s.storageKey(e.Kv.Key), Revision: e.Kv.ModRevision}
	if e.PrevKv != nil {
		ev.PrevValue = nonNil(e.PrevKv.Value)
		ev.CreateRevision = e.PrevKv.CreateRevision
	} else if !e.IsCreate() {
		return ev, fmt.Errorf("etcd event without its previous value (key %s, revision %d)", ev.Key, ev.Revision)
	}
	switch e.Type {
	case clientv3.EventTypePut:
		ev.Type = storage.Put
		ev.Value = nonNil(e.Kv.Value)
		ev.CreateRevision = e.Kv.CreateRevision
	case clientv3.EventTypeDelete:
		ev.Type = storage.Delete
	}
	return ev, nil
}

// nonNil keeps an empty value apart from an absent one: protobuf decodes
// both as nil.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// streamMetadataKey names the prefix whose watch stream a context's
// requests go on.
const streamMetadataKey = "evictd-watch-prefix"

// streamContext is ctx for the watch stream of prefix: the etcd client
// puts watches, and progress requests, with equal metadata on one stream.
func streamContext(ctx context.Context, prefix string) context.Context {
	return clientv3.WithRequireLeader(metadata.AppendToOutgoingContext(ctx, streamMetadataKey, prefix))
}

// RequestProgress asks etcd for a progress notification on the watch
// stream of prefix: once every watch on it has caught up, each
// ProgressNotify watch of prefix gets a Progress event at etcd's current
// revision. The watch cache calls it to learn quickly that it has seen
// everything up to a revision (kube-apiserver's consistent reads from
// cache do the same).
func (s *Store) RequestProgress(ctx context.Context, prefix string) error {
	if err := s.open(); err != nil {
		return err
	}
	if err := s.client.RequestProgress(streamContext(ctx, prefix)); err != nil {
		return fmt.Errorf("etcd progress request: %w", err)
	}
	return nil
}
