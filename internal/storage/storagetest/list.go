package storagetest

import (
	"errors"
	"slices"
	"testing"

	"github.com/evictd/evictd/internal/storage"
)

func testListOrderAndPrefix(t *testing.T, s storage.Interface) {
	// Created out of order, with neighbours that share a string prefix.
	for _, key := range []string{"/a/b/3", "/a/bc/1", "/a/b/1", "/a/b", "/a/c/1", "/a/b/2", "/a/a/1", "/a/b/4", "/ab/1"} {
		mustCreate(t, s, key, "v"+key)
	}
	mustDelete(t, s, "/a/b/4")
	rev := mustRevision(t, s)

	res := mustList(t, s, "/a/b/", storage.ListOptions{})
	if want := []string{"/a/b/1", "/a/b/2", "/a/b/3"}; !slices.Equal(keysOf(res.KVs), want) {
		t.Fatalf("List(/a/b/) = %v, want %v", keysOf(res.KVs), want)
	}
	if res.Revision != rev || res.More {
		t.Fatalf("List(/a/b/) at revision %d, More=%v; want revision %d, no more", res.Revision, res.More, rev)
	}
	for _, kv := range res.KVs {
		if string(kv.Value) != "v"+kv.Key || kv.ModRevision == 0 || kv.CreateRevision != kv.ModRevision {
			t.Fatalf("listed %s", showKV(kv))
		}
	}
	res = mustList(t, s, "/a/", storage.ListOptions{})
	if want := []string{"/a/a/1", "/a/b", "/a/b/1", "/a/b/2", "/a/b/3", "/a/bc/1", "/a/c/1"}; !slices.Equal(keysOf(res.KVs), want) {
		t.Fatalf("List(/a/) = %v, want %v", keysOf(res.KVs), want)
	}
	res = mustList(t, s, "/z/", storage.ListOptions{})
	if len(res.KVs) != 0 || res.Revision != rev {
		t.Fatalf("List(/z/) = %v at %d, want nothing at %d", keysOf(res.KVs), res.Revision, rev)
	}
}

func testListPagination(t *testing.T, s storage.Interface) {
	var want []string
	for _, name := range []string{"j", "a", "i", "b", "h", "c", "g", "d", "f", "e"} {
		mustCreate(t, s, "/p/"+name, name)
	}
	mustCreate(t, s, "/q/a", "outside the prefix")
	for _, name := range "abcdefghij" {
		want = append(want, "/p/"+string(name))
	}

	first := mustList(t, s, "/p/", storage.ListOptions{Limit: 3})
	var got []string
	wantRemaining := []int64{7, 4, 1, 0}
	opts := storage.ListOptions{Limit: 3, Revision: first.Revision}
	for page := 0; ; page++ {
		res := first
		if page > 0 {
			res = mustList(t, s, "/p/", opts)
		}
		if page == 0 {
			// Later pages read at the first page's revision: these writes
			// must not show.
			mustCreate(t, s, "/p/aa", "new")
			mustDelete(t, s, "/p/j")
		}
		got = append(got, keysOf(res.KVs)...)
		if res.Revision != first.Revision {
			t.Fatalf("page %d read at revision %d, want %d", page, res.Revision, first.Revision)
		}
		if res.More != (page < 3) || (res.More && res.Remaining != wantRemaining[page]) {
			t.Fatalf("page %d: More=%v Remaining=%d, want More=%v Remaining=%d",
				page, res.More, res.Remaining, page < 3, wantRemaining[page])
		}
		if !res.More {
			break
		}
		opts.StartKey = res.KVs[len(res.KVs)-1].Key + "\x00"
	}
	if !slices.Equal(got, want) {
		t.Fatalf("pages = %v, want %v", got, want)
	}

	res := mustList(t, s, "/p/", storage.ListOptions{Limit: 10})
	if len(res.KVs) != 10 || res.More {
		t.Fatalf("List(limit = count) got %d keys, More=%v; want 10, no more", len(res.KVs), res.More)
	}
	res = mustList(t, s, "/p/", storage.ListOptions{StartKey: "/p/h"})
	if want := []string{"/p/h", "/p/i"}; !slices.Equal(keysOf(res.KVs), want) {
		t.Fatalf("List(StartKey=/p/h) = %v, want %v", keysOf(res.KVs), want)
	}
	res = mustList(t, s, "/p/", storage.ListOptions{StartKey: "/"})
	if len(res.KVs) != 10 {
		t.Fatalf("List(StartKey before the prefix) got %v", keysOf(res.KVs))
	}
}

func testListPastRevision(t *testing.T, s storage.Interface) {
	x1 := mustCreate(t, s, "/r/x", "x1")
	y1 := mustCreate(t, s, "/r/y", "y1")
	x2 := mustUpdate(t, s, x1, "x2")
	yGone := mustDelete(t, s, "/r/y")
	z1 := mustCreate(t, s, "/r/z", "z1")

	for _, tc := range []struct {
		name string
		rev  int64
		want []storage.KeyValue
	}{
		{"before anything", x1.ModRevision - 1, nil},
		{"after the first create", x1.ModRevision, []storage.KeyValue{x1}},
		{"after the second create", y1.ModRevision, []storage.KeyValue{x1, y1}},
		{"after the update", x2.ModRevision, []storage.KeyValue{x2, y1}},
		{"after the delete", yGone.ModRevision, []storage.KeyValue{x2}},
		{"now", 0, []storage.KeyValue{x2, z1}},
	} {
		res := mustList(t, s, "/r/", storage.ListOptions{Revision: tc.rev})
		if len(res.KVs) != len(tc.want) {
			t.Fatalf("%s (revision %d): got %v, want %d keys", tc.name, tc.rev, keysOf(res.KVs), len(tc.want))
		}
		for i := range tc.want {
			wantKV(t, tc.name, res.KVs[i], tc.want[i])
		}
		wantRev := tc.rev
		if wantRev == 0 {
			wantRev = z1.ModRevision
		}
		if res.Revision != wantRev {
			t.Fatalf("%s: read at revision %d, want %d", tc.name, res.Revision, wantRev)
		}
	}
}

func testListCompactedAndFuture(t *testing.T, s storage.Interface) {
	ctx := t.Context()
	a1 := mustCreate(t, s, "/c/a", "a1")
	a2 := mustUpdate(t, s, a1, "a2")
	b1 := mustCreate(t, s, "/c/b", "b1")
	mustUpdate(t, s, a2, "a3")

	if err := s.Compact(ctx, b1.ModRevision); err != nil {
		t.Fatalf("Compact(%d): %v", b1.ModRevision, err)
	}
	_, err := s.List(ctx, "/c/", storage.ListOptions{Revision: a2.ModRevision})
	wantErr(t, "List below the compacted revision", err, storage.ErrCompacted)
	var compacted *storage.CompactedError
	if !errors.As(err, &compacted) || compacted.Requested != a2.ModRevision || compacted.Oldest < b1.ModRevision {
		t.Fatalf("List below the compacted revision: got %#v", err)
	}
	// The state at the compacted revision itself stays readable.
	res := mustList(t, s, "/c/", storage.ListOptions{Revision: b1.ModRevision})
	if len(res.KVs) != 2 {
		t.Fatalf("List at the compacted revision: got %v", keysOf(res.KVs))
	}
	wantKV(t, "List at the compacted revision", res.KVs[0], a2)
	wantKV(t, "List at the compacted revision", res.KVs[1], b1)

	if err := s.Compact(ctx, b1.ModRevision); err != nil {
		t.Fatalf("Compact again at %d: %v", b1.ModRevision, err)
	}
	if err := s.Compact(ctx, a1.ModRevision); err != nil {
		t.Fatalf("Compact below the compacted revision: %v", err)
	}
	future := mustRevision(t, s) + 10
	_, err = s.List(ctx, "/c/", storage.ListOptions{Revision: future})
	wantErr(t, "List at a future revision", err, storage.ErrFutureRevision)
	wantErr(t, "Compact at a future revision", s.Compact(ctx, future), storage.ErrFutureRevision)
}
