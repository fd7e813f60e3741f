package storagetest

import (
	"errors"
	"testing"

	"github.com/evictd/evictd/internal/storage"
)

func testCreate(t *testing.T, s storage.Interface) {
	ctx := t.Context()
	start := mustRevision(t, s)
	if start <= 0 {
		t.Fatalf("empty store at revision %d, want > 0 (0 means unset)", start)
	}
	kv := mustCreate(t, s, "/pods/ns/a", "one")
	want := storage.KeyValue{Key: "/pods/ns/a", Value: []byte("one"), CreateRevision: kv.ModRevision, ModRevision: kv.ModRevision}
	wantKV(t, "Create", kv, want)
	if kv.ModRevision <= start || mustRevision(t, s) != kv.ModRevision {
		t.Fatalf("Create got revision %d; store went from %d to %d", kv.ModRevision, start, mustRevision(t, s))
	}
	got, err := s.Get(ctx, "/pods/ns/a")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	wantKV(t, "Get", got, want)

	_, err = s.Create(ctx, "/pods/ns/a", []byte("two"))
	wantErr(t, "Create existing key", err, storage.ErrKeyExists)
	if rev := mustRevision(t, s); rev != kv.ModRevision {
		t.Fatalf("failed Create moved the revision from %d to %d", kv.ModRevision, rev)
	}
	_, err = s.Get(ctx, "/pods/ns/b")
	wantErr(t, "Get missing key", err, storage.ErrKeyNotFound)
	_, err = s.Get(ctx, "/pods/ns/")
	wantErr(t, "Get a prefix", err, storage.ErrKeyNotFound)

	next := mustCreate(t, s, "/pods/ns/b", "")
	if next.ModRevision <= kv.ModRevision {
		t.Fatalf("second Create got revision %d after %d", next.ModRevision, kv.ModRevision)
	}
}

func testUpdate(t *testing.T, s storage.Interface) {
	ctx := t.Context()
	v1 := mustCreate(t, s, "/pods/ns/a", "one")
	v2 := mustUpdate(t, s, v1, "two")
	wantKV(t, "Update", v2, storage.KeyValue{Key: v1.Key, Value: []byte("two"), CreateRevision: v1.CreateRevision, ModRevision: v2.ModRevision})
	if v2.ModRevision <= v1.ModRevision {
		t.Fatalf("Update got revision %d after %d", v2.ModRevision, v1.ModRevision)
	}

	_, err := s.Update(ctx, v1.Key, []byte("stale"), v1.ModRevision)
	wantErr(t, "Update at a stale revision", err, storage.ErrConflict)
	var conflict *storage.ConflictError
	if !errors.As(err, &conflict) {
		t.Fatalf("Update at a stale revision: %T is not a *storage.ConflictError", err)
	}
	wantKV(t, "ConflictError.Current", conflict.Current, v2)
	if rev := mustRevision(t, s); rev != v2.ModRevision {
		t.Fatalf("failed Update moved the revision from %d to %d", v2.ModRevision, rev)
	}
	got, err := s.Get(ctx, v1.Key)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	wantKV(t, "Get after a conflict", got, v2)

	_, err = s.Update(ctx, "/pods/ns/missing", []byte("x"), v1.ModRevision)
	wantErr(t, "Update missing key", err, storage.ErrKeyNotFound)
	mustDelete(t, s, v1.Key)
	_, err = s.Update(ctx, v1.Key, []byte("x"), v2.ModRevision)
	wantErr(t, "Update deleted key", err, storage.ErrKeyNotFound)
}

func testDelete(t *testing.T, s storage.Interface) {
	ctx := t.Context()
	v1 := mustCreate(t, s, "/pods/ns/a", "one")
	v2 := mustUpdate(t, s, v1, "two")

	_, err := s.Delete(ctx, v1.Key, v1.ModRevision)
	wantErr(t, "Delete at a stale revision", err, storage.ErrConflict)
	var conflict *storage.ConflictError
	if !errors.As(err, &conflict) {
		t.Fatalf("Delete at a stale revision: %T is not a *storage.ConflictError", err)
	}
	wantKV(t, "ConflictError.Current", conflict.Current, v2)

	gone, err := s.Delete(ctx, v1.Key, v2.ModRevision)
	if err != nil {
		t.Fatalf("Delete at the current revision: %v", err)
	}
	rev := mustRevision(t, s)
	wantKV(t, "Delete", gone, storage.KeyValue{Key: v1.Key, Value: []byte("two"), CreateRevision: v1.CreateRevision, ModRevision: rev})
	if rev <= v2.ModRevision {
		t.Fatalf("Delete got revision %d after %d", rev, v2.ModRevision)
	}
	_, err = s.Get(ctx, v1.Key)
	wantErr(t, "Get deleted key", err, storage.ErrKeyNotFound)
	_, err = s.Delete(ctx, v1.Key, 0)
	wantErr(t, "Delete deleted key", err, storage.ErrKeyNotFound)

	again := mustCreate(t, s, v1.Key, "three")
	if again.CreateRevision <= gone.ModRevision {
		t.Fatalf("re-created key has create revision %d, deleted at %d", again.CreateRevision, gone.ModRevision)
	}
	mustUpdate(t, s, again, "four")
	last := mustDelete(t, s, v1.Key) // expectedRevision 0: unconditional
	if string(last.Value) != "four" || last.CreateRevision != again.CreateRevision {
		t.Fatalf("unconditional Delete returned %s", showKV(last))
	}
}

// testValuesAreCopied checks that no caller can reach the stored bytes:
// neither through the slice it passed in nor through one it got back.
func testValuesAreCopied(t *testing.T, s storage.Interface) {
	ctx := t.Context()
	in := []byte("original")
	kv, err := s.Create(ctx, "/pods/ns/a", in)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	copy(in, "MUTATED!")
	mustCreate(t, s, "/pods/ns/b", "second")

	got, err := s.Get(ctx, "/pods/ns/a")
	if err != nil || string(got.Value) != "original" {
		t.Fatalf("Get after mutating Create's input: %q, %v", got.Value, err)
	}
	copy(got.Value, "MUTATED!")
	list := mustList(t, s, "/pods/ns/", storage.ListOptions{})
	if len(list.KVs) != 2 || string(list.KVs[0].Value) != "original" {
		t.Fatalf("List after mutating Get's result: %v", keysOf(list.KVs))
	}
	copy(list.KVs[0].Value, "MUTATED!")
	_ = append(list.KVs[0].Value, "overflow"...) // must not spill into the next value
	if string(list.KVs[1].Value) != "second" {
		t.Fatalf("appending to one listed value changed the next: %q", list.KVs[1].Value)
	}

	upd := []byte("updated")
	if _, err := s.Update(ctx, kv.Key, upd, kv.ModRevision); err != nil {
		t.Fatalf("Update: %v", err)
	}
	copy(upd, "MUTATED")
	got, err = s.Get(ctx, "/pods/ns/a")
	if err != nil || string(got.Value) != "updated" {
		t.Fatalf("Get after mutating List's result and Update's input: %q, %v", got.Value, err)
	}
}
