package storagetest

import (
	"errors"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/evictd/evictd/internal/storage"
)

// testConcurrentCAS runs read-modify-write loops on one key from many
// goroutines, as GuaranteedUpdate does: no increment may be lost.
func testConcurrentCAS(t *testing.T, s storage.Interface) {
	const workers, increments = 64, 10
	ctx := t.Context()
	mustCreate(t, s, "/counter", "0")
	var conflicts atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			kv, err := s.Get(ctx, "/counter")
			for done := 0; done < increments && err == nil; {
				var n int
				if n, err = strconv.Atoi(string(kv.Value)); err != nil {
					break
				}
				// The "modify" step: yield, as decoding and applying an
				// update function would, so that other workers interleave
				// and conflicts happen even on one CPU.
				runtime.Gosched()
				var next storage.KeyValue
				next, err = s.Update(ctx, kv.Key, strconv.AppendInt(nil, int64(n+1), 10), kv.ModRevision)
				var conflict *storage.ConflictError
				switch {
				case errors.As(err, &conflict):
					// Retry from the value that won, without another Get.
					conflicts.Add(1)
					kv, err = conflict.Current, nil
				case err == nil:
					kv = next
					done++
				}
			}
			if err != nil {
				t.Errorf("worker: %v", err)
			}
		})
	}
	wg.Wait()
	kv, err := s.Get(ctx, "/counter")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if want := strconv.Itoa(workers * increments); string(kv.Value) != want {
		t.Fatalf("counter = %s, want %s (%d conflicts retried)", kv.Value, want, conflicts.Load())
	}
	t.Logf("%d increments, %d conflicts retried", workers*increments, conflicts.Load())
}
