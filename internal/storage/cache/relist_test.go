package cache_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/evictd/evictd/internal/storage"
	"github.com/evictd/evictd/internal/storage/cache"
	"github.com/evictd/evictd/internal/storage/memory"
)

// breakableStore lets a test end the backend watches it handed out with an
// error, as etcd ends a watch that fell behind a compaction.
type breakableStore struct {
	storage.Interface
	mu      sync.Mutex
	cancels []context.CancelCauseFunc
}

func (s *breakableStore) Watch(ctx context.Context, prefix string, opts storage.WatchOptions) (storage.Watcher, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	w, err := s.Interface.Watch(ctx, prefix, opts)
	if err != nil {
		cancel(nil)
		return nil, err
	}
	s.mu.Lock()
	s.cancels = append(s.cancels, cancel)
	s.mu.Unlock()
	return &breakableWatcher{Watcher: w, ctx: ctx}, nil
}

// breakAll ends every backend watch with err.
func (s *breakableStore) breakAll(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, cancel := range s.cancels {
		cancel(err)
	}
	s.cancels = nil
}

type breakableWatcher struct {
	storage.Watcher
	ctx context.Context
}

// Err reports the cause the test broke the watch with.
func (w *breakableWatcher) Err() error {
	if err := context.Cause(w.ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return w.Watcher.Err()
}

// TestRelist: when the cache's backend watch fails, the cache lists again
// and serves the writes it missed; a watcher it can no longer continue
// ends with ErrWatcherTooSlow (its client relists), and new watches work.
func TestRelist(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	inner := &breakableStore{Interface: memory.New(memory.Options{})}
	c := cache.New(inner, cache.Options{Log: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { _ = c.Close() })
	if _, err := c.Create(ctx, "/core/pods/a/1", []byte("1")); err != nil {
		t.Fatal(err)
	}
	w, err := c.Watch(ctx, "/core/pods/", storage.WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	// The cache's watch breaks; a write lands before the cache relists.
	inner.breakAll(&storage.CompactedError{Requested: 1, Oldest: 2})
	missed, err := c.Create(ctx, "/core/pods/a/2", []byte("2"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.List(ctx, "/core/pods/", storage.ListOptions{})
	if err != nil || len(res.KVs) != 2 || res.Revision < missed.ModRevision {
		t.Fatalf("List after the relist: %d objects at %d, %v; want both, at %d or later", len(res.KVs), res.Revision, err, missed.ModRevision)
	}
	// The old watcher either saw the write (the cache caught it before
	// the break) or ends: it must not silently skip it.
	select {
	case ev, ok := <-w.Events():
		switch {
		case ok && ev.Key != missed.Key:
			t.Fatalf("old watcher got %v, want %s or its end", ev, missed.Key)
		case !ok && !errors.Is(w.Err(), storage.ErrWatcherTooSlow):
			t.Fatalf("old watcher ended with %v, want ErrWatcherTooSlow", w.Err())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("old watcher neither delivered the write nor ended")
	}

	// A watch opened while the cache relists may end the same way; a
	// client watches again, and once the cache has relisted that works.
	for attempt := 3; ; attempt++ {
		if watchSeesNextWrite(t, c, attempt) {
			return
		}
		if attempt == 6 {
			t.Fatal("every new watch ended: the cache never settled after relisting")
		}
	}
}

// watchSeesNextWrite opens a watch, writes /core/pods/a/<n> and reports
// whether the watch delivered it; false if the watch ended as too slow.
func watchSeesNextWrite(t *testing.T, c *cache.Cache, n int) bool {
	t.Helper()
	w, err := c.Watch(t.Context(), "/core/pods/", storage.WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	kv, err := c.Create(t.Context(), fmt.Sprintf("/core/pods/a/%d", n), []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case ev, ok := <-w.Events():
		if !ok {
			if !errors.Is(w.Err(), storage.ErrWatcherTooSlow) {
				t.Fatalf("new watcher ended with %v", w.Err())
			}
			return false
		}
		if ev.Key != kv.Key || ev.Revision != kv.ModRevision {
			t.Fatalf("new watcher got %v, want %s at %d", ev, kv.Key, kv.ModRevision)
		}
		return true
	case <-time.After(10 * time.Second):
		t.Fatal("new watcher got nothing")
	}
	return false
}
