package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/storage"
)

// WatchOptions narrows a Watch.
type WatchOptions struct {
	Predicate
	ResourceVersion      string
	ResourceVersionMatch metav1.ResourceVersionMatch
	// SendInitialEvents asks for the streaming list: the current state as
	// ADDED events, then a bookmark annotated k8s.io/initial-events-end.
	SendInitialEvents *bool
	// AllowBookmarks lets the watch send BOOKMARK events.
	AllowBookmarks bool
}

// InitialEventsEndAnnotation marks the bookmark that ends a streaming list.
const InitialEventsEndAnnotation = metav1.InitialEventsAnnotationKey

// Bounds of a watcher's buffer of decoded events. A watcher buffers about
// one second of its own events, as kube-apiserver's cacher sizes each
// watcher's channel from its resource's event rate, so a watch of a busy
// resource rides out a burst while its client is busy (a controller's
// informer behind a loaded server); never fewer than minWatchBuffer (the
// result channel) nor more than maxWatchBuffer, so a watcher's memory is
// bounded (~2 MB of 2 KB pods). Beyond it the watcher stops reading its
// storage watch: the backlog stays in the store's shared revision log,
// which no writer waits on, until the client catches up or falls out of
// the kept history and is dropped with 410 Expired (it relists).
const (
	minWatchBuffer = 64
	maxWatchBuffer = 1024
)

// Watch streams changes of namespace ("" for all) that match the options.
// Which events come first follows the resourceVersion semantics of
// Kubernetes: "" and "0" start with the current state as ADDED events, N
// replays everything after N (410 Expired if N is too old), and
// sendInitialEvents=true is the streaming list of client-go ≥0.35.
func (s *Store) Watch(ctx context.Context, namespace string, opts WatchOptions) (watch.Interface, error) {
	initial, from, err := s.watchStart(ctx, opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	w := &watcher{cancel: cancel, result: make(chan watch.Event, minWatchBuffer), done: make(chan struct{})}
	var snapshot runtime.Object
	if initial {
		list, err := s.List(ctx, namespace, ListOptions{Predicate: opts.Predicate})
		if err != nil {
			cancel()
			return nil, err
		}
		snapshot = list
		lm, _ := meta.ListAccessor(list)
		if from, err = strconv.ParseInt(lm.GetResourceVersion(), 10, 64); err != nil {
			cancel()
			return nil, apierrors.NewInternalError(err)
		}
	}
	sw, err := s.storage.Watch(ctx, s.listPrefix(namespace), storage.WatchOptions{Revision: from, ProgressNotify: opts.AllowBookmarks})
	if err != nil {
		cancel()
		return nil, s.statusError(err, "")
	}
	streamingList := opts.SendInitialEvents != nil && *opts.SendInitialEvents
	go w.run(ctx, s, sw, opts, snapshot, streamingList, from)
	return w, nil
}

// watchStart decides whether the watch begins with the current state and
// from which revision it streams.
func (s *Store) watchStart(ctx context.Context, opts WatchOptions) (initial bool, from int64, err error) {
	var rv int64
	if opts.ResourceVersion != "" {
		if rv, err = strconv.ParseInt(opts.ResourceVersion, 10, 64); err != nil || rv < 0 {
			return false, 0, apierrors.NewBadRequest(fmt.Sprintf("invalid resource version %q", opts.ResourceVersion))
		}
	}
	if opts.SendInitialEvents != nil {
		if rv > 0 {
			current, err := s.storage.Revision(ctx)
			if err != nil {
				return false, 0, s.statusError(err, "")
			}
			if rv > current {
				return false, 0, tooLargeResourceVersion(rv, current)
			}
		}
		if *opts.SendInitialEvents {
			return true, 0, nil
		}
		if rv == 0 {
			current, err := s.storage.Revision(ctx)
			return false, current, err
		}
		return false, rv, nil
	}
	if rv == 0 {
		return true, 0, nil
	}
	return false, rv, nil
}

// watcher adapts a storage watch to watch.Interface.
type watcher struct {
	cancel context.CancelFunc
	result chan watch.Event
	done   chan struct{}
	once   sync.Once
}

// ResultChan delivers the events; it is closed when the watch ends.
func (w *watcher) ResultChan() <-chan watch.Event { return w.result }

// Stop ends the watch and waits for its goroutine.
func (w *watcher) Stop() {
	w.once.Do(w.cancel)
	<-w.done
}

func (w *watcher) run(ctx context.Context, s *Store, sw storage.Watcher, opts WatchOptions, snapshot runtime.Object, streamingList bool, from int64) {
	defer close(w.done)
	defer close(w.result)
	defer sw.Stop()
	send := func(ev watch.Event) bool {
		select {
		case w.result <- ev:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if snapshot != nil {
		items, _ := meta.ExtractList(snapshot)
		for _, obj := range items {
			if !send(watch.Event{Type: watch.Added, Object: obj}) {
				return
			}
		}
		if streamingList && opts.AllowBookmarks && !send(s.bookmark(from, true)) {
			return
		}
	}
	if !w.relay(ctx, s, sw, opts) {
		return
	}
	if err := sw.Err(); err != nil && ctx.Err() == nil {
		// The storage watch ended under us (slow consumer, compaction):
		// tell the client to relist, as a watch cache would.
		status := apierrors.NewResourceExpired(fmt.Sprintf("watch closed: %v", err)).ErrStatus
		if errors.Is(err, storage.ErrClosed) {
			return
		}
		send(watch.Event{Type: watch.Error, Object: &status})
	}
}

// relay passes the storage watch's events on, translated, through a
// buffer sized from their rate, until the storage watch ends (true) or
// ctx does (false).
func (w *watcher) relay(ctx context.Context, s *Store, sw storage.Watcher, opts WatchOptions) bool {
	buf := eventBuffer{clock: s.clock}
	in := sw.Events()
	for in != nil || buf.len() > 0 {
		var out chan<- watch.Event
		var next watch.Event
		if buf.len() > 0 {
			out, next = w.result, buf.peek()
		}
		from := in
		if buf.full() {
			from = nil // the shared log holds the rest
		}
		select {
		case ev, ok := <-from:
			if !ok {
				in = nil
				continue
			}
			if t, ok := s.translate(ev, opts); ok {
				buf.push(t)
			}
		case out <- next:
			buf.pop()
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// eventBuffer is a watcher's queue of translated events; its limit
// follows the rate they arrive at: the events of the last whole second
// (or of the current one, if more), between minWatchBuffer and
// maxWatchBuffer.
type eventBuffer struct {
	clock  clock.PassiveClock
	events []watch.Event
	head   int
	// second began at since; count events arrived in it, last in the
	// one before.
	since       time.Time
	count, last int
}

func (b *eventBuffer) len() int          { return len(b.events) - b.head }
func (b *eventBuffer) peek() watch.Event { return b.events[b.head] }

// limit is how many events the buffer may hold now.
func (b *eventBuffer) limit() int {
	return min(max(b.last, b.count, minWatchBuffer), maxWatchBuffer)
}

func (b *eventBuffer) full() bool { return b.len() >= b.limit() }

func (b *eventBuffer) push(ev watch.Event) {
	now := b.clock.Now()
	switch elapsed := now.Sub(b.since); {
	case elapsed >= 2*time.Second:
		b.since, b.count, b.last = now, 0, 0
	case elapsed >= time.Second:
		b.since, b.count, b.last = b.since.Add(time.Second), 0, b.count
	}
	b.count++
	b.events = append(b.events, ev)
}

func (b *eventBuffer) pop() {
	b.events[b.head] = watch.Event{} // let the object go
	b.head++
	if b.head == len(b.events) {
		b.events, b.head = b.events[:0], 0
	} else if b.head >= minWatchBuffer && b.head*2 >= len(b.events) {
		n := copy(b.events, b.events[b.head:])
		clear(b.events[n:])
		b.events, b.head = b.events[:n], 0
	}
}

// translate turns one storage event into the watch event this watcher's
// predicate sees, applying upstream's rules for objects moving in and out
// of a selector.
func (s *Store) translate(ev storage.Event, opts WatchOptions) (watch.Event, bool) {
	switch ev.Type {
	case storage.Progress:
		if !opts.AllowBookmarks {
			return watch.Event{}, false
		}
		return s.bookmark(ev.Revision, false), true
	case storage.Delete:
		// The previous value is keyed by its own (older) revision in the
		// attribute cache: decode it under a key of its own.
		old, ok, err := s.decodeMatching(opts.Predicate, prevKey(ev.Key), ev.PrevValue, ev.Revision)
		if err != nil || !ok {
			return watch.Event{}, false
		}
		return watch.Event{Type: watch.Deleted, Object: old}, true
	}
	cur, curMatch, err := s.decodeMatching(opts.Predicate, ev.Key, ev.Value, ev.Revision)
	if err != nil {
		return watch.Event{}, false
	}
	if ev.PrevValue == nil {
		return watch.Event{Type: watch.Added, Object: cur}, curMatch
	}
	oldMatch := true
	var old runtime.Object
	if !opts.Predicate.Empty() {
		if old, oldMatch, err = s.decodeMatching(opts.Predicate, prevKey(ev.Key), ev.PrevValue, ev.Revision); err != nil {
			return watch.Event{}, false
		}
		if oldMatch && !curMatch {
			return watch.Event{Type: watch.Deleted, Object: old}, true
		}
	}
	switch {
	case curMatch && oldMatch:
		return watch.Event{Type: watch.Modified, Object: cur}, true
	case curMatch:
		return watch.Event{Type: watch.Added, Object: cur}, true
	}
	return watch.Event{}, false
}

// prevKey files the previous value of an event apart from the current one
// in the attribute cache (both carry the event's revision).
func prevKey(key string) string { return "prev\x00" + key }

// bookmark is an object of the watched kind carrying only a
// resourceVersion (and, at the end of a streaming list, the annotation).
func (s *Store) bookmark(rev int64, initialEventsEnd bool) watch.Event {
	obj := s.res.New()
	m, _ := meta.Accessor(obj)
	m.SetResourceVersion(strconv.FormatInt(rev, 10))
	if initialEventsEnd {
		m.SetAnnotations(map[string]string{InitialEventsEndAnnotation: "true"})
	}
	return watch.Event{Type: watch.Bookmark, Object: obj}
}
