package storagetest

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/evictd/evictd/internal/storage"
)

func mustCreate(t *testing.T, s storage.Interface, key, value string) storage.KeyValue {
	t.Helper()
	kv, err := s.Create(t.Context(), key, []byte(value))
	if err != nil {
		t.Fatalf("Create(%q): %v", key, err)
	}
	return kv
}

func mustUpdate(t *testing.T, s storage.Interface, kv storage.KeyValue, value string) storage.KeyValue {
	t.Helper()
	next, err := s.Update(t.Context(), kv.Key, []byte(value), kv.ModRevision)
	if err != nil {
		t.Fatalf("Update(%q, %d): %v", kv.Key, kv.ModRevision, err)
	}
	return next
}

func mustDelete(t *testing.T, s storage.Interface, key string) storage.KeyValue {
	t.Helper()
	kv, err := s.Delete(t.Context(), key, 0)
	if err != nil {
		t.Fatalf("Delete(%q): %v", key, err)
	}
	return kv
}

func mustRevision(t *testing.T, s storage.Interface) int64 {
	t.Helper()
	rev, err := s.Revision(t.Context())
	if err != nil {
		t.Fatalf("Revision: %v", err)
	}
	return rev
}

func mustList(t *testing.T, s storage.Interface, prefix string, opts storage.ListOptions) storage.ListResult {
	t.Helper()
	res, err := s.List(t.Context(), prefix, opts)
	if err != nil {
		t.Fatalf("List(%q, %+v): %v", prefix, opts, err)
	}
	return res
}

func mustWatch(t *testing.T, s storage.Interface, prefix string, opts storage.WatchOptions) storage.Watcher {
	t.Helper()
	w, err := s.Watch(t.Context(), prefix, opts)
	if err != nil {
		t.Fatalf("Watch(%q, %+v): %v", prefix, opts, err)
	}
	t.Cleanup(w.Stop)
	return w
}

// wantErr fails unless err matches target with errors.Is.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

// wantKV fails unless got has the key, value and revisions of want.
func wantKV(t *testing.T, what string, got, want storage.KeyValue) {
	t.Helper()
	if got.Key != want.Key || !bytes.Equal(got.Value, want.Value) ||
		got.CreateRevision != want.CreateRevision || got.ModRevision != want.ModRevision {
		t.Fatalf("%s: got %s, want %s", what, showKV(got), showKV(want))
	}
}

func showKV(kv storage.KeyValue) string {
	return fmt.Sprintf("{%s=%q create=%d mod=%d}", kv.Key, kv.Value, kv.CreateRevision, kv.ModRevision)
}

func showEvent(ev storage.Event) string {
	return fmt.Sprintf("{%v %s=%q prev=%q rev=%d create=%d}",
		ev.Type, ev.Key, ev.Value, ev.PrevValue, ev.Revision, ev.CreateRevision)
}

// keysOf returns the keys of kvs, in order.
func keysOf(kvs []storage.KeyValue) []string {
	keys := make([]string, len(kvs))
	for i, kv := range kvs {
		keys[i] = kv.Key
	}
	return keys
}

// nextEvent returns the next event that is not a Progress event.
func nextEvent(t *testing.T, w storage.Watcher) storage.Event {
	t.Helper()
	for {
		ev := receive(t, w)
		if ev.Type != storage.Progress {
			return ev
		}
	}
}

// receive returns the next event of any type.
func receive(t *testing.T, w storage.Watcher) storage.Event {
	t.Helper()
	select {
	case ev, ok := <-w.Events():
		if !ok {
			t.Fatalf("watch ended early: %v", w.Err())
		}
		return ev
	case <-time.After(waitTimeout):
		t.Fatalf("no event after %v", waitTimeout)
	}
	panic("unreachable")
}

// wantEvent fails unless got describes the same change as want.
func wantEvent(t *testing.T, got, want storage.Event) {
	t.Helper()
	if got.Type != want.Type || got.Key != want.Key || got.Revision != want.Revision ||
		got.CreateRevision != want.CreateRevision || !bytes.Equal(got.Value, want.Value) ||
		!bytes.Equal(got.PrevValue, want.PrevValue) || (want.PrevValue == nil) != (got.PrevValue == nil) ||
		(want.Value == nil) != (got.Value == nil) {
		t.Fatalf("got event %s, want %s", showEvent(got), showEvent(want))
	}
}

// waitClosed waits for the watch to end and returns its error.
func waitClosed(t *testing.T, w storage.Watcher) error {
	t.Helper()
	timeout := time.After(waitTimeout)
	for {
		select {
		case _, ok := <-w.Events():
			if !ok {
				return w.Err()
			}
		case <-timeout:
			t.Fatalf("watch still open after %v", waitTimeout)
		}
	}
}

// putEvent and deleteEvent describe the events the writes that returned kv
// (and the previous value prev) must produce.
func putEvent(kv storage.KeyValue, prev []byte) storage.Event {
	return storage.Event{Type: storage.Put, Key: kv.Key, Value: kv.Value, PrevValue: prev,
		Revision: kv.ModRevision, CreateRevision: kv.CreateRevision}
}

func deleteEvent(deleted storage.KeyValue) storage.Event {
	return storage.Event{Type: storage.Delete, Key: deleted.Key, PrevValue: deleted.Value,
		Revision: deleted.ModRevision, CreateRevision: deleted.CreateRevision}
}
