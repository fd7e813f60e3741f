package etcd_test

import (
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/evictd/evictd/internal/storage"
	"github.com/evictd/evictd/internal/storage/cache"
	"github.com/evictd/evictd/internal/storage/etcd"
	"github.com/evictd/evictd/internal/storage/memory"
)

// benchObjects is how many objects the Get, List and Update benchmarks
// start with: a small cluster's pods, listed in one page as an informer's
// first list is.
const benchObjects = 1000

// benchClients is how many goroutines per CPU the parallel benchmarks run:
// an API server serves many clients at once, and etcd batches their
// writes into one raft entry and one fsync.
const benchClients = 16

// benchValue is the size of a stored pod in protobuf (a running pod with
// one container, probes, tolerations and status is ~2 KB).
var benchValue = make([]byte, 2048)

// benchBackends compares etcd, alone and behind the watch cache, with the
// memory store on the same calls.
// The etcd numbers include the gRPC round trip over loopback and raft;
// fsync is on, as serve --storage=etcd-embedded runs it.
func benchBackends(b *testing.B, run func(b *testing.B, s storage.Interface)) {
	b.Run("backend=memory", func(b *testing.B) {
		s := memory.New(memory.Options{})
		defer s.Close()
		run(b, s)
	})
	for _, cached := range []bool{false, true} {
		name := "backend=etcd"
		if cached {
			name += "+cache"
		}
		b.Run(name, func(b *testing.B) {
			e, err := etcd.StartEmbedded(b.Context(), etcd.EmbeddedConfig{Dir: b.TempDir(), Log: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			var s storage.Interface
			if s, err = etcd.New(b.Context(), etcd.Config{Client: e.Client()}); err != nil {
				b.Fatal(err)
			}
			if cached {
				// What serve runs: the watch cache in front of etcd.
				s = cache.New(s, cache.Options{Log: slog.New(slog.DiscardHandler)})
			}
			defer s.Close()
			run(b, s)
		})
	}
}

// fill creates n objects and returns their keyValues.
func fill(b *testing.B, s storage.Interface, n int) []storage.KeyValue {
	kvs := make([]storage.KeyValue, n)
	for i := range kvs {
		kv, err := s.Create(b.Context(), fmt.Sprintf("/pods/default/web-%05d", i), benchValue)
		if err != nil {
			b.Fatal(err)
		}
		kvs[i] = kv
	}
	return kvs
}

func BenchmarkCreate(b *testing.B) {
	benchBackends(b, func(b *testing.B, s storage.Interface) {
		var n atomic.Int64
		b.SetParallelism(benchClients)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.Create(b.Context(), fmt.Sprintf("/pods/default/p-%d", n.Add(1)), benchValue); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func BenchmarkGet(b *testing.B) {
	benchBackends(b, func(b *testing.B, s storage.Interface) {
		kvs := fill(b, s, benchObjects)
		var n atomic.Int64
		b.SetParallelism(benchClients)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.Get(b.Context(), kvs[n.Add(1)%benchObjects].Key); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkList lists every object in one call, as an informer's relist.
func BenchmarkList(b *testing.B) {
	benchBackends(b, func(b *testing.B, s storage.Interface) {
		fill(b, s, benchObjects)
		b.ResetTimer()
		for b.Loop() {
			res, err := s.List(b.Context(), "/pods/default/", storage.ListOptions{})
			if err != nil || len(res.KVs) != benchObjects {
				b.Fatalf("List: %d objects, %v", len(res.KVs), err)
			}
		}
	})
}

// BenchmarkUpdate is compare-and-swap writes from parallel clients, each
// on objects of its own (no conflicts): the kubelets' status updates.
func BenchmarkUpdate(b *testing.B) {
	benchBackends(b, func(b *testing.B, s storage.Interface) {
		kvs := fill(b, s, benchObjects)
		var worker atomic.Int64
		b.SetParallelism(benchClients)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			// Each worker owns the objects i ≡ w (mod 64).
			w := int(worker.Add(1)-1) % 64
			mine := map[int]storage.KeyValue{}
			for i := w; i < benchObjects; i += 64 {
				mine[i] = kvs[i]
			}
			for i := w; pb.Next(); i = (i + 64) % benchObjects {
				if i < w || i%64 != w {
					i = w
				}
				kv, err := s.Update(b.Context(), mine[i].Key, benchValue, mine[i].ModRevision)
				if err != nil {
					b.Error(err)
					return
				}
				mine[i] = kv
			}
		})
	})
}
