package cache_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/evictd/evictd/internal/storage"
	"github.com/evictd/evictd/internal/storage/cache"
	"github.com/evictd/evictd/internal/storage/etcd"
	"github.com/evictd/evictd/internal/storage/etcd/etcdtest"
	"github.com/evictd/evictd/internal/storage/memory"
	"github.com/evictd/evictd/internal/storage/storagetest"
)

// TestMain fails the package if a goroutine (a cacher, a watch) outlives
// the tests.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// everything caches every prefix in one cacher, so that the suite's
// prefixes ("/w/", "/p/a/") go through the cache.
func everything(string) (string, bool) { return "/", true }

func TestCacheOnEtcd(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Interface {
		inner, err := etcd.New(t.Context(), etcd.Config{Client: etcdtest.Start(t), ProgressInterval: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return cache.New(inner, cache.Options{Split: everything, ProgressInterval: 10 * time.Millisecond})
	})
}

func TestCacheOnMemory(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Interface {
		inner := memory.New(memory.Options{ProgressInterval: 10 * time.Millisecond})
		return cache.New(inner, cache.Options{Split: everything, ProgressInterval: 10 * time.Millisecond})
	})
}

func TestResourcePrefix(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		prefix, want string
		ok           bool
	}{
		{"/core/pods/", "/core/pods/", true},
		{"/core/pods/default/", "/core/pods/", true},
		{"/apps/deployments/ns/name", "/apps/deployments/", true},
		{"/core/", "", false},
		{"/", "", false},
		{"core/pods/", "", false},
		{"//pods/", "", false},
	} {
		got, ok := cache.ResourcePrefix(tc.prefix)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ResourcePrefix(%q) = %q, %v; want %q, %v", tc.prefix, got, ok, tc.want, tc.ok)
		}
	}
}

// countingStore counts the Lists and Watches that reach the backend.
type countingStore struct {
	storage.Interface
	lists, watches atomic.Int64
}

func (s *countingStore) List(ctx context.Context, prefix string, opts storage.ListOptions) (storage.ListResult, error) {
	s.lists.Add(1)
	return s.Interface.List(ctx, prefix, opts)
}

func (s *countingStore) Watch(ctx context.Context, prefix string, opts storage.WatchOptions) (storage.Watcher, error) {
	s.watches.Add(1)
	return s.Interface.Watch(ctx, prefix, opts)
}

// TestServedFromMemory: once a resource is cached, consistent lists and
// watches of it (any namespace) cost the backend nothing but one revision
// read each; a continued page (a read at a past revision) goes to the
// backend.
func TestServedFromMemory(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	inner := &countingStore{Interface: memory.New(memory.Options{})}
	c := cache.New(inner, cache.Options{})
	t.Cleanup(func() { _ = c.Close() })
	for _, key := range []string{"/core/pods/a/1", "/core/pods/a/2", "/core/pods/b/1", "/core/nodes/n1"} {
		if _, err := c.Create(ctx, key, []byte(key)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := c.List(ctx, "/core/pods/", storage.ListOptions{})
	if err != nil || len(res.KVs) != 3 {
		t.Fatalf("List = %v, %v", res.KVs, err)
	}
	lists, watches := inner.lists.Load(), inner.watches.Load() // the cacher's own list and watch
	for _, prefix := range []string{"/core/pods/", "/core/pods/a/", "/core/pods/b/"} {
		if _, err := c.List(ctx, prefix, storage.ListOptions{}); err != nil {
			t.Fatal(err)
		}
		w, err := c.Watch(ctx, prefix, storage.WatchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		w.Stop()
	}
	if got := inner.lists.Load(); got != lists {
		t.Errorf("cached lists reached the backend %d times", got-lists)
	}
	if got := inner.watches.Load(); got != watches {
		t.Errorf("cached watches reached the backend %d times", got-watches)
	}
	page, err := c.List(ctx, "/core/pods/", storage.ListOptions{Limit: 1})
	if err != nil || !page.More || page.Remaining != 2 {
		t.Fatalf("first page = %v More=%v Remaining=%d, %v", page.KVs, page.More, page.Remaining, err)
	}
	if _, err := c.List(ctx, "/core/pods/", storage.ListOptions{Limit: 1, Revision: page.Revision, StartKey: page.KVs[0].Key + "\x00"}); err != nil {
		t.Fatal(err)
	}
	if got := inner.lists.Load(); got != lists+1 {
		t.Errorf("a continued page reached the backend %d times, want once", got-lists)
	}
}

// TestConsistentListSeesOtherWrites: a write to another resource moves
// etcd's revision without an event for this resource's cache; a consistent
// list must still answer at a revision at or after it (the cache asks etcd
// for progress instead of waiting for its periodic notification).
func TestConsistentListSeesOtherWrites(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	inner, err := etcd.New(ctx, etcd.Config{Client: etcdtest.Start(t)}) // progress every second
	if err != nil {
		t.Fatal(err)
	}
	c := cache.New(inner, cache.Options{})
	t.Cleanup(func() { _ = c.Close() })
	if _, err := c.Create(ctx, "/core/pods/a/1", []byte("pod")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.List(ctx, "/core/pods/", storage.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		node, err := c.Create(ctx, fmt.Sprintf("/core/nodes/n%d", i), []byte("node"))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		res, err := c.List(ctx, "/core/pods/", storage.ListOptions{})
		if err != nil || len(res.KVs) != 1 || res.Revision < node.ModRevision {
			t.Fatalf("List after a node write at %d: %d pods at revision %d, %v", node.ModRevision, len(res.KVs), res.Revision, err)
		}
		t.Logf("consistent list after another resource's write: %v", time.Since(start))
	}
}

// silentEtcd is an etcd store whose progress requests are counted and
// never sent, so a consistent list that needs one waits its whole
// timeout.
type silentEtcd struct {
	*etcd.Store
	requests atomic.Int64
}

func (s *silentEtcd) RequestProgress(context.Context, string) error {
	s.requests.Add(1)
	return nil
}

// TestConsistentListWaitsWithoutSpinning: a consistent list waiting for
// progress that does not come asks again every progress retry, not in a
// busy loop (a closed channel in its wait once made it spin, thousands of
// requests a second), and after its timeout reads the backend instead.
func TestConsistentListWaitsWithoutSpinning(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, err := etcd.New(ctx, etcd.Config{Client: etcdtest.Start(t)})
	if err != nil {
		t.Fatal(err)
	}
	inner := &silentEtcd{Store: st}
	c := cache.New(inner, cache.Options{})
	t.Cleanup(func() { _ = c.Close() })
	if _, err := c.Create(ctx, "/core/pods/a/1", []byte("pod")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.List(ctx, "/core/pods/", storage.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	node, err := c.Create(ctx, "/core/nodes/n1", []byte("node"))
	if err != nil {
		t.Fatal(err)
	}
	before := inner.requests.Load()
	start := time.Now()
	res, err := c.List(ctx, "/core/pods/", storage.ListOptions{})
	waited := time.Since(start)
	if err != nil || len(res.KVs) != 1 || res.Revision < node.ModRevision {
		t.Fatalf("List after a node write at %d: %d pods at revision %d, %v", node.ModRevision, len(res.KVs), res.Revision, err)
	}
	// 3 s of waiting, one request at once and one per 50 ms retry: about
	// 60. A periodic progress notification may end the wait sooner.
	requests := inner.requests.Load() - before
	if limit := int64(waited/(50*time.Millisecond)) + 5; requests > limit {
		t.Errorf("%d progress requests in %v of waiting, want at most %d: the wait spins", requests, waited, limit)
	}
	t.Logf("%d progress requests in %v", requests, waited)
}
