package storagetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/evictd/evictd/internal/storage"
)

func testWatchFromNow(t *testing.T, s storage.Interface) {
	a1 := mustCreate(t, s, "/w/a", "a1")
	w := mustWatch(t, s, "/w/", storage.WatchOptions{})
	b1 := mustCreate(t, s, "/w/b", "b1")
	a2 := mustUpdate(t, s, a1, "a2")
	wantEvent(t, nextEvent(t, w), putEvent(b1, nil))
	wantEvent(t, nextEvent(t, w), putEvent(a2, a1.Value))
}

func testWatchFromPastRevision(t *testing.T, s storage.Interface) {
	start := mustRevision(t, s)
	a1 := mustCreate(t, s, "/w/a", "a1")
	a2 := mustUpdate(t, s, a1, "a2")
	b1 := mustCreate(t, s, "/w/b", "b1")
	aGone := mustDelete(t, s, "/w/a")
	history := []storage.Event{putEvent(a1, nil), putEvent(a2, a1.Value), putEvent(b1, nil), deleteEvent(aGone)}

	w := mustWatch(t, s, "/w/", storage.WatchOptions{Revision: start})
	for _, want := range history {
		wantEvent(t, nextEvent(t, w), want)
	}
	c1 := mustCreate(t, s, "/w/c", "c1") // then live events
	wantEvent(t, nextEvent(t, w), putEvent(c1, nil))

	// From the middle: only the changes strictly after the revision.
	w = mustWatch(t, s, "/w/", storage.WatchOptions{Revision: a2.ModRevision})
	for _, want := range append(history[2:], putEvent(c1, nil)) {
		wantEvent(t, nextEvent(t, w), want)
	}
}

// testWatchCompactedAndFuture accepts ErrCompacted either from Watch itself
// or as the reason a watch ends without events (etcd reports compaction on
// the stream).
func testWatchCompactedAndFuture(t *testing.T, s storage.Interface) {
	ctx := t.Context()
	a1 := mustCreate(t, s, "/w/a", "a1")
	a2 := mustUpdate(t, s, a1, "a2")
	a3 := mustUpdate(t, s, a2, "a3")
	if err := s.Compact(ctx, a2.ModRevision); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	w, err := s.Watch(ctx, "/w/", storage.WatchOptions{Revision: a1.ModRevision})
	if err == nil {
		defer w.Stop()
		select {
		case ev, ok := <-w.Events():
			if ok {
				t.Fatalf("watch from a compacted revision got event %s", showEvent(ev))
			}
			err = w.Err()
		case <-time.After(waitTimeout):
			t.Fatalf("watch from a compacted revision still open after %v", waitTimeout)
		}
	}
	wantErr(t, "Watch from a compacted revision", err, storage.ErrCompacted)

	w = mustWatch(t, s, "/w/", storage.WatchOptions{Revision: a2.ModRevision})
	wantEvent(t, nextEvent(t, w), putEvent(a3, a2.Value))

	_, err = s.Watch(ctx, "/w/", storage.WatchOptions{Revision: a3.ModRevision + 10})
	wantErr(t, "Watch from a future revision", err, storage.ErrFutureRevision)
}

func testWatchDelete(t *testing.T, s storage.Interface) {
	w := mustWatch(t, s, "/w/", storage.WatchOptions{})
	a1 := mustCreate(t, s, "/w/a", "a1")
	a2 := mustUpdate(t, s, a1, "a2")
	gone, err := s.Delete(t.Context(), "/w/a", a2.ModRevision)
	if err != nil {
		t.Fatalf("Delete: %v", err)
	}
	nextEvent(t, w)
	nextEvent(t, w)
	ev := nextEvent(t, w)
	wantEvent(t, ev, storage.Event{Type: storage.Delete, Key: "/w/a", PrevValue: []byte("a2"),
		Revision: gone.ModRevision, CreateRevision: a1.CreateRevision})
}

func testWatchPrefix(t *testing.T, s storage.Interface) {
	w := mustWatch(t, s, "/p/a/", storage.WatchOptions{})
	var want []storage.Event
	for _, key := range []string{"/p/a/1", "/p/ab/1", "/p/b/1", "/p/a", "/p/a/2"} {
		kv := mustCreate(t, s, key, key)
		if key == "/p/a/1" || key == "/p/a/2" {
			want = append(want, putEvent(kv, nil))
		}
	}
	for _, ev := range want {
		wantEvent(t, nextEvent(t, w), ev)
	}
}

// testWatchConcurrentWriters checks that a watcher sees every write of
// concurrent writers once, in revision order, and each key's writes in the
// order they were made.
func testWatchConcurrentWriters(t *testing.T, s storage.Interface) {
	const writers, writes = 8, 25
	w := mustWatch(t, s, "/c/", storage.WatchOptions{})
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			kv, err := s.Create(t.Context(), fmt.Sprintf("/c/%d", i), []byte("0"))
			for n := 1; n < writes && err == nil; n++ {
				kv, err = s.Update(t.Context(), kv.Key, fmt.Appendf(nil, "%d", n), kv.ModRevision)
			}
			if err != nil {
				t.Errorf("writer %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	last := int64(0)
	seen := map[string]int{}
	for range writers * writes {
		ev := nextEvent(t, w)
		if ev.Revision <= last {
			t.Fatalf("event %s after revision %d", showEvent(ev), last)
		}
		last = ev.Revision
		if want := fmt.Sprint(seen[ev.Key]); string(ev.Value) != want {
			t.Fatalf("event %s: want value %s", showEvent(ev), want)
		}
		seen[ev.Key]++
	}
}

// testWatchProgress checks that an idle watch reports progress up to the
// store's revision, including writes under other prefixes.
func testWatchProgress(t *testing.T, s storage.Interface) {
	w := mustWatch(t, s, "/q/", storage.WatchOptions{ProgressNotify: true})
	q := mustCreate(t, s, "/q/1", "q")
	wantEvent(t, nextEvent(t, w), putEvent(q, nil))
	other := mustCreate(t, s, "/other/1", "elsewhere")
	for {
		ev := receive(t, w)
		if ev.Type != storage.Progress {
			t.Fatalf("got %s, want only progress", showEvent(ev))
		}
		if ev.Revision < q.ModRevision || ev.Revision > other.ModRevision {
			t.Fatalf("progress at revision %d, want between %d and %d", ev.Revision, q.ModRevision, other.ModRevision)
		}
		if ev.Revision == other.ModRevision {
			return
		}
	}
}

func testWatchStop(t *testing.T, s storage.Interface) {
	w := mustWatch(t, s, "/s/", storage.WatchOptions{})
	w.Stop()
	w.Stop() // idempotent
	if err := waitClosed(t, w); err != nil {
		t.Fatalf("Err after Stop = %v, want nil", err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	w, err := s.Watch(ctx, "/s/", storage.WatchOptions{})
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	defer w.Stop()
	cancel()
	if err := waitClosed(t, w); err != nil {
		t.Fatalf("Err after cancelling the context = %v, want nil", err)
	}
	w.Stop() // after the end: harmless

	_, err = s.Watch(ctx, "/s/", storage.WatchOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Watch with a cancelled context: %v", err)
	}
}

func testClose(t *testing.T, s storage.Interface) {
	w := mustWatch(t, s, "/x/", storage.WatchOptions{})
	mustCreate(t, s, "/x/a", "a")
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wantErr(t, "watch after Close", waitClosed(t, w), storage.ErrClosed)
	_, err := s.Get(t.Context(), "/x/a")
	wantErr(t, "Get after Close", err, storage.ErrClosed)
	_, err = s.Create(t.Context(), "/x/b", nil)
	wantErr(t, "Create after Close", err, storage.ErrClosed)
	_, err = s.Watch(t.Context(), "/x/", storage.WatchOptions{})
	wantErr(t, "Watch after Close", err, storage.ErrClosed)
}
