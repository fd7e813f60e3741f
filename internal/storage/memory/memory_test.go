package memory

import (
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/evictd/evictd/internal/storage"
	"github.com/evictd/evictd/internal/storage/storagetest"
)

// TestMain fails the package if a goroutine (a watch) outlives the tests.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newChecked returns a store that is closed and checked when t ends.
func newChecked(t *testing.T, opts Options) *Store {
	s := New(opts)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := s.Check(); err != nil {
			t.Errorf("Check: %v", err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Interface {
		// A short progress interval keeps the suite's progress test fast.
		return newChecked(t, Options{ProgressInterval: 10 * time.Millisecond})
	})
}

// TestStoreSmallWindow runs the suite with automatic compaction kicking in
// during the longer tests (ConcurrentCAS, Model). The window stays above
// the most writes a test makes before reading its watch (200).
func TestStoreSmallWindow(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Interface {
		return newChecked(t, Options{HistoryWindow: 256, ProgressInterval: 10 * time.Millisecond})
	})
}

func TestAutoCompaction(t *testing.T) {
	const window = 10
	ctx := t.Context()
	s := newChecked(t, Options{HistoryWindow: window})
	kv, err := s.Create(ctx, "/a/counter", []byte("0"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		// Churn: keys that come and go must leave the index once compacted.
		key := fmt.Sprintf("/a/tmp%d", i)
		if _, err := s.Create(ctx, key, []byte("x")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Delete(ctx, key, 0); err != nil {
			t.Fatal(err)
		}
		if kv, err = s.Update(ctx, kv.Key, fmt.Appendf(nil, "%d", i+1), kv.ModRevision); err != nil {
			t.Fatal(err)
		}
		if i%100 == 0 {
			if err := s.Check(); err != nil {
				t.Fatalf("after %d rounds: %v", i, err)
			}
		}
	}
	rev, _ := s.Revision(ctx)
	s.mu.RLock()
	logLen, keys, hist, oldest := len(s.log), s.keys.Len(), 0, s.compactRev
	s.keys.Ascend(func(it item) bool { hist += len(it.h.entries); return true })
	s.mu.RUnlock()
	if logLen >= 2*window || hist > 2*window+1 || keys > 2*window+1 {
		t.Fatalf("history not bounded: %d log entries, %d keys holding %d entries (window %d)", logLen, keys, hist, window)
	}
	if _, err := s.List(ctx, "/a/", storage.ListOptions{Revision: rev - window}); err != nil {
		t.Fatalf("List inside the window: %v", err)
	}
	_, err = s.List(ctx, "/a/", storage.ListOptions{Revision: oldest - 1})
	var compacted *storage.CompactedError
	if !errors.As(err, &compacted) || compacted.Oldest != oldest {
		t.Fatalf("List below the window: %v, want oldest %d", err, oldest)
	}
}

// TestSlowWatcher checks the slow-watcher policy: writers never wait for a
// watcher that does not read, and once the history moves past it the
// watcher ends with ErrWatcherTooSlow after a gap-free prefix of events.
func TestSlowWatcher(t *testing.T) {
	const window = 10
	ctx := t.Context()
	s := newChecked(t, Options{HistoryWindow: window})
	w, err := s.Watch(ctx, "/a/", storage.WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	kv, err := s.Create(ctx, "/a/x", []byte("0"))
	if err != nil {
		t.Fatal(err)
	}
	first := kv.ModRevision
	for i := range 10 * watchBuffer { // nobody reads meanwhile
		if kv, err = s.Update(ctx, kv.Key, fmt.Appendf(nil, "%d", i+1), kv.ModRevision); err != nil {
			t.Fatal(err)
		}
	}
	next := first
	for ev := range w.Events() {
		if ev.Revision != next {
			t.Fatalf("got revision %d, want %d: the events before the end must have no gap", ev.Revision, next)
		}
		next++
	}
	if !errors.Is(w.Err(), storage.ErrWatcherTooSlow) {
		t.Fatalf("Err = %v, want ErrWatcherTooSlow", w.Err())
	}
	if got := next - first; got > watchBuffer+1 {
		t.Fatalf("slow watcher got %d events, more than its buffer", got)
	}
}

// TestProgressInterval checks, on synctest's fake time, that a Progress
// event comes exactly when the watch has been idle for the interval, and
// carries the revision of writes under other prefixes.
func TestProgressInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const interval = time.Second
		ctx := t.Context()
		s := New(Options{ProgressInterval: interval})
		defer s.Close()
		w, err := s.Watch(ctx, "/a/", storage.WatchOptions{ProgressNotify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		kv, _ := s.Create(ctx, "/b/x", []byte("elsewhere"))

		time.Sleep(interval - time.Nanosecond)
		synctest.Wait()
		if n := len(w.Events()); n != 0 {
			t.Fatalf("%d events before the interval, want none", n)
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if ev := <-w.Events(); ev.Type != storage.Progress || ev.Revision != kv.ModRevision {
			t.Fatalf("got %v at %d, want PROGRESS at %d", ev.Type, ev.Revision, kv.ModRevision)
		}

		// An event in the next interval means the watch was not idle: no
		// progress at its end, but at the end of the one after.
		time.Sleep(interval / 2)
		own, _ := s.Create(ctx, "/a/y", []byte("here"))
		if ev := <-w.Events(); ev.Revision != own.ModRevision {
			t.Fatalf("got %v at %d, want the create at %d", ev.Type, ev.Revision, own.ModRevision)
		}
		time.Sleep(interval / 2)
		synctest.Wait()
		if n := len(w.Events()); n != 0 {
			t.Fatalf("%d events after a busy interval, want none", n)
		}
		time.Sleep(interval)
		synctest.Wait()
		if ev := <-w.Events(); ev.Type != storage.Progress || ev.Revision != own.ModRevision {
			t.Fatalf("got %v at %d, want PROGRESS at %d", ev.Type, ev.Revision, own.ModRevision)
		}
		if err := s.Check(); err != nil {
			t.Error(err)
		}
	})
}

// TestProgressFakeClock checks that Options.Clock drives progress.
func TestProgressFakeClock(t *testing.T) {
	const interval = time.Minute
	ctx := t.Context()
	clock := clocktesting.NewFakeClock(time.Unix(0, 0))
	s := newChecked(t, Options{ProgressInterval: interval, Clock: clock})
	w, err := s.Watch(ctx, "/a/", storage.WatchOptions{ProgressNotify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	kv, _ := s.Create(ctx, "/b/x", []byte("elsewhere"))
	clock.Step(interval) // Watch armed the timer before returning
	select {
	case ev := <-w.Events():
		if ev.Type != storage.Progress || ev.Revision != kv.ModRevision {
			t.Fatalf("got %v at %d, want PROGRESS at %d", ev.Type, ev.Revision, kv.ModRevision)
		}
	case <-time.After(10 * time.Second): // only bounds a failure
		t.Fatal("no progress after stepping the clock")
	}
}

// TestCheckFindsCorruption makes sure Check is not vacuous.
func TestCheckFindsCorruption(t *testing.T) {
	ctx := t.Context()
	for _, tc := range []struct {
		name    string
		corrupt func(s *Store)
	}{
		{"log gap", func(s *Store) { s.log = s.log[:len(s.log)-1] }},
		{"revision order", func(s *Store) { s.log[0].rev, s.log[1].rev = s.log[1].rev, s.log[0].rev }},
		{"entry below compaction", func(s *Store) { s.compactRev = s.rev; s.log = nil }},
		{"broken chain", func(s *Store) { s.log[1].prevValue = []byte("other") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Options{})
			defer s.Close()
			kv, _ := s.Create(ctx, "/a/x", []byte("1"))
			_, _ = s.Update(ctx, kv.Key, []byte("2"), kv.ModRevision)
			_, _ = s.Create(ctx, "/a/y", []byte("3"))
			if err := s.Check(); err != nil {
				t.Fatalf("Check before corruption: %v", err)
			}
			tc.corrupt(s)
			if err := s.Check(); err == nil {
				t.Fatal("Check found nothing")
			}
		})
	}
}
