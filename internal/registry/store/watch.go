package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

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

// resultBuffer decouples decoding from the client's writes; it is small
// because the storage watcher already buffers.
const resultBuffer = 64

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
	w := &watcher{cancel: cancel, result: make(chan watch.Event, resultBuffer), done: make(chan struct{})}
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
	for ev := range sw.Events() {
		out, ok := s.translate(ev, opts)
		if !ok {
			continue
		}
		if !send(out) {
			return
		}
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
