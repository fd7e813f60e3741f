package etcd

import (
	"errors"
	"log/slog"
	"strconv"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/evictd/evictd/internal/storage"
)

// TestCompactor steps a fake clock through three compaction rounds and
// checks kube-apiserver's schedule: the first round only records the
// revision, the second compacts at it, so history spans one interval.
func TestCompactor(t *testing.T) {
	t.Parallel()
	const interval = time.Minute
	ctx := t.Context()
	client := startEtcd(t)
	clk := clocktesting.NewFakeClock(time.Now())
	s, err := New(ctx, Config{Client: client, CompactionInterval: interval, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	rounds := client.Watch(ctx, compactRevKey)
	// round steps the clock and waits for the compactor's claim of the
	// round (its write of compactRevKey), returning the value written.
	round := func() int64 {
		t.Helper()
		clk.Step(interval)
		select {
		case wr := <-rounds:
			if err := wr.Err(); err != nil || len(wr.Events) != 1 {
				t.Fatalf("watch %s: %v, %d events", compactRevKey, err, len(wr.Events))
			}
			v, err := strconv.ParseInt(string(wr.Events[0].Kv.Value), 10, 64)
			if err != nil {
				t.Fatalf("%s = %q", compactRevKey, wr.Events[0].Kv.Value)
			}
			return v
		case <-time.After(10 * time.Second):
			t.Fatal("no compaction round 10 s after the tick")
		}
		panic("unreachable")
	}

	a1, err := s.Create(ctx, "/c/a", []byte("1"))
	if err != nil {
		t.Fatal(err)
	}
	if v := round(); v != 0 {
		t.Fatalf("first round recorded %d, want 0 (nothing to compact yet)", v)
	}
	seen, err := s.Revision(ctx) // the revision the first round saw
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, "/c/a", []byte("2"), a1.ModRevision); err != nil {
		t.Fatal(err)
	}
	if v := round(); v != seen {
		t.Fatalf("second round recorded %d, want the first round's revision %d", v, seen)
	}
	// Rounds are sequential: once the third one claims, the second one's
	// compaction at seen is done; the third one's, at next, may be too.
	next := round()

	_, err = s.List(ctx, "/c/", storage.ListOptions{Revision: a1.ModRevision})
	var compacted *storage.CompactedError
	if !errors.As(err, &compacted) || (compacted.Oldest != seen && compacted.Oldest != next) {
		t.Fatalf("List at %d after compactions at %d and %d: %v", a1.ModRevision, seen, next, err)
	}
	if _, err := s.List(ctx, "/c/", storage.ListOptions{Revision: next}); err != nil {
		t.Fatalf("List at the last compacted revision: %v", err)
	}
}

// TestCompactionTakesTurns runs the protocol for two servers sharing one
// etcd: in each round only the first to claim compactRevKey compacts.
func TestCompactionTakesTurns(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	client := startEtcd(t)
	var stores [2]*Store
	for i := range stores {
		s, err := New(ctx, Config{Client: client, CompactionInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		stores[i] = s
	}
	var version, rev [2]int64
	step := func(i int) {
		t.Helper()
		var err error
		if version[i], rev[i], err = stores[i].compactOnce(ctx, version[i], rev[i]); err != nil {
			t.Fatalf("server %d: %v", i, err)
		}
	}
	claims := func() int64 {
		t.Helper()
		resp, err := client.Get(ctx, compactRevKey)
		if err != nil || len(resp.Kvs) != 1 {
			t.Fatalf("get %s: %v", compactRevKey, err)
		}
		return resp.Kvs[0].Version
	}
	for round := range int64(3) {
		step(0)
		step(1)
		if got := claims(); got != round+1 {
			t.Fatalf("round %d: %s has version %d, want %d (one claim per round)", round, compactRevKey, got, round+1)
		}
	}
	if _, err := client.Delete(ctx, compactRevKey); err != nil {
		t.Fatal(err)
	}
	step(0) // a deleted key: start over rather than fail
	step(0)
	if got := claims(); got != 1 {
		t.Fatalf("after deleting %s: version %d, want 1", compactRevKey, got)
	}
}

// TestKeyLayout checks where keys land in etcd: under the prefix, as
// kube-apiserver lays them out, and nothing outside it is listed.
func TestKeyLayout(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	client := startEtcd(t)
	for _, tc := range []struct {
		name, prefix, want string
	}{
		{"default", "", "/registry/pods/ns/a"},
		{"custom", "/evictd/", "/evictd/pods/ns/a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(ctx, Config{Client: client, Prefix: tc.prefix, CompactionInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			kv, err := s.Create(ctx, "/pods/ns/a", []byte("pod"))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.Get(ctx, tc.want)
			if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "pod" || resp.Kvs[0].ModRevision != kv.ModRevision {
				t.Fatalf("etcd key %s: %v %v", tc.want, resp, err)
			}
			if _, err := client.Put(ctx, "/outside", "x"); err != nil {
				t.Fatal(err)
			}
			res, err := s.List(ctx, "/", storage.ListOptions{})
			if err != nil || len(res.KVs) != 1 || res.KVs[0].Key != "/pods/ns/a" {
				t.Fatalf("List(/) = %v, %v", res.KVs, err)
			}
		})
	}
}

// startEtcd is etcdtest.Start for this package's own tests (etcdtest
// imports this package).
func startEtcd(t *testing.T) *clientv3.Client {
	t.Helper()
	e, err := StartEmbedded(t.Context(), EmbeddedConfig{Dir: t.TempDir(), UnsafeNoFsync: true, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e.Client()
}
