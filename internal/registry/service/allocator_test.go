package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/evictd/evictd/internal/registry/store"
	"github.com/evictd/evictd/internal/scheme"
	"github.com/evictd/evictd/internal/storage"
	"github.com/evictd/evictd/internal/storage/etcd"
	"github.com/evictd/evictd/internal/storage/etcd/etcdtest"
	"github.com/evictd/evictd/internal/storage/memory"
)

// quiet discards what the allocator logs.
var quiet = slog.New(slog.DiscardHandler)

// newAllocator returns an allocator over cidr in st.
func newAllocator(t testing.TB, cidr string, st storage.Interface, clk clock.PassiveClock) *Allocator {
	t.Helper()
	a, err := NewIPAllocator(cidr, Options{Storage: st, Clock: clk, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// mustAllocator returns an allocator over cidr in a storage of its own.
func mustAllocator(t testing.TB, cidr string) *Allocator {
	t.Helper()
	return newAllocator(t, cidr, newMemory(t), nil)
}

func newMemory(t testing.TB) storage.Interface {
	t.Helper()
	st := memory.New(memory.Options{})
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// owner is a service to allocate for.
func owner(name string) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name}}
}

// backends are the storages two API servers can share: each call
// returns two clients of one store (for etcd, two storage.Interfaces over
// one etcd, as two processes would have).
var backends = []struct {
	name  string
	share func(t *testing.T) (storage.Interface, storage.Interface)
}{
	{name: "memory", share: func(t *testing.T) (storage.Interface, storage.Interface) {
		st := newMemory(t)
		return st, st
	}},
	{name: "etcd", share: func(t *testing.T) (storage.Interface, storage.Interface) {
		client := etcdtest.Start(t)
		open := func() storage.Interface {
			st, err := etcd.New(t.Context(), etcd.Config{Client: client, CompactionInterval: -1, Log: quiet})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() })
			return st
		}
		return open(), open()
	}},
}

func TestNewIPAllocator(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cidr    string
		wantErr bool
	}{
		{name: "default", cidr: DefaultServiceCIDR},
		{name: "unmasked", cidr: "10.96.3.4/24"},
		{name: "smallest", cidr: "10.0.0.0/30"},
		{name: "too small", cidr: "10.0.0.0/31", wantErr: true},
		{name: "ipv6", cidr: "fd00::/108", wantErr: true},
		{name: "garbage", cidr: "10.96.0.0", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := NewIPAllocator(tt.cidr, Options{Storage: newMemory(t)}); (err != nil) != tt.wantErr {
				t.Errorf("NewIPAllocator(%q) error = %v, wantErr %v", tt.cidr, err, tt.wantErr)
			}
		})
	}
	if _, err := NewIPAllocator(DefaultServiceCIDR, Options{}); err == nil {
		t.Error("NewIPAllocator without storage succeeded")
	}
}

func TestAllocateOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cidr string
		want []string
	}{
		// A /12 has a 256-address static part: dynamic addresses start above it.
		{name: "default range", cidr: DefaultServiceCIDR, want: []string{"10.96.1.1", "10.96.1.2", "10.96.1.3"}},
		// A /28 has no static part; .1 is still kept for the kubernetes service.
		{name: "tiny range", cidr: "10.0.0.0/28", want: []string{"10.0.0.2", "10.0.0.3"}},
		// A /30 has two usable addresses, one reserved.
		{name: "smallest range", cidr: "10.0.0.0/30", want: []string{"10.0.0.2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := mustAllocator(t, tt.cidr)
			for i, want := range tt.want {
				if got, err := a.Allocate(t.Context(), owner(fmt.Sprint("s", i))); err != nil || got != want {
					t.Errorf("Allocate() = %q, %v, want %q", got, err, want)
				}
			}
		})
	}
}

// TestIPAddressObject: an allocation is the IPAddress upstream stores,
// encoded as our store encodes objects, under
// /networking.k8s.io/ipaddresses/<ip>.
func TestIPAddressObject(t *testing.T) {
	t.Parallel()
	st := newMemory(t)
	now := time.Date(2026, 12, 4, 14, 0, 0, 0, time.UTC)
	a := newAllocator(t, DefaultServiceCIDR, st, clocktesting.NewFakeClock(now))
	ip, err := a.Allocate(t.Context(), owner("web"))
	if err != nil {
		t.Fatal(err)
	}
	kv, err := st.Get(t.Context(), "/networking.k8s.io/ipaddresses/"+ip)
	if err != nil {
		t.Fatal(err)
	}
	var got networkingv1.IPAddress
	obj, gvk, err := scheme.Protobuf.Decode(kv.Value, nil, &got)
	if err != nil {
		t.Fatal(err)
	}
	if gvk.GroupVersion() != networkingv1.SchemeGroupVersion || gvk.Kind != "IPAddress" || obj != &got {
		t.Fatalf("stored kind %v", gvk)
	}
	want := networkingv1.ParentReference{Resource: "services", Namespace: "default", Name: "web"}
	switch {
	case got.Name != ip:
		t.Errorf("name %q, want %q", got.Name, ip)
	case got.Spec.ParentRef == nil || *got.Spec.ParentRef != want:
		t.Errorf("parentRef %+v, want %+v", got.Spec.ParentRef, want)
	case got.Labels[networkingv1.LabelIPAddressFamily] != "IPv4" || got.Labels[networkingv1.LabelManagedBy] != "ipallocator.k8s.io":
		t.Errorf("labels %v", got.Labels)
	case !got.CreationTimestamp.Time.Equal(now) || got.UID == "":
		t.Errorf("creationTimestamp %v uid %q", got.CreationTimestamp, got.UID)
	case got.ResourceVersion != "":
		t.Errorf("resourceVersion stored: %q", got.ResourceVersion)
	}
}

// TestSharedAllocation: two allocators over one storage, as two API
// servers on one etcd, allocating concurrently never hand out one address
// twice, and storage holds exactly the handed-out addresses, each naming
// its service.
func TestSharedAllocation(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			st1, st2 := b.share(t)
			// 509 candidates for 400 allocations: the servers walk the same
			// addresses in the same order, the worst case for collisions.
			allocs := []*Allocator{newAllocator(t, "10.0.0.0/23", st1, nil), newAllocator(t, "10.0.0.0/23", st2, nil)}
			const each = 200
			var (
				mu  sync.Mutex
				got = map[string]string{} // ip → service
				wg  sync.WaitGroup
			)
			for s, a := range allocs {
				for i := range each {
					wg.Go(func() {
						name := fmt.Sprintf("s%d-%d", s, i)
						ip, err := a.Allocate(t.Context(), owner(name))
						if err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						defer mu.Unlock()
						if prev, ok := got[ip]; ok {
							t.Errorf("%s handed out to %s and %s", ip, prev, name)
						}
						got[ip] = name
					})
				}
			}
			wg.Wait()
			if len(got) != len(allocs)*each {
				t.Fatalf("allocated %d addresses, want %d", len(got), len(allocs)*each)
			}
			stored, err := allocs[0].list(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if len(stored) != len(got) {
				t.Errorf("%d IPAddress objects, want %d", len(stored), len(got))
			}
			for _, ipa := range stored {
				if ipa.Spec.ParentRef == nil || got[ipa.Name] != ipa.Spec.ParentRef.Name {
					t.Errorf("IPAddress %s names %+v, handed out to %s", ipa.Name, ipa.Spec.ParentRef, got[ipa.Name])
				}
			}
		})
	}
}

// TestSharedRange: what one server allocates the other cannot reserve; a
// release by one frees the address for the other, even when the other's
// hint thought its range full; a full range answers upstream's error.
func TestSharedRange(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			st1, st2 := b.share(t)
			a1, a2 := newAllocator(t, "10.0.0.0/28", st1, nil), newAllocator(t, "10.0.0.0/28", st2, nil)
			// 14 usable, .1 reserved for the kubernetes service: 13.
			for i := range 13 {
				a := []*Allocator{a1, a2}[i%2]
				if _, err := a.Allocate(ctx, owner(fmt.Sprint("s", i))); err != nil {
					t.Fatalf("allocation %d: %v", i, err)
				}
			}
			for _, a := range []*Allocator{a1, a2} {
				_, err := a.Allocate(ctx, owner("late"))
				if !errors.Is(err, ErrFull) || err.Error() != "range is full" {
					t.Fatalf("Allocate on a full range = %v, want %q", err, "range is full")
				}
			}
			// s0 got 10.0.0.2 from a1; a2 cannot take it.
			if err := a2.Reserve(ctx, owner("thief"), "10.0.0.2"); !errors.Is(err, ErrAllocated) {
				t.Fatalf("Reserve of a taken address = %v, want ErrAllocated", err)
			}
			// Releasing for the wrong service does nothing.
			if err := a2.Release(ctx, owner("thief"), "10.0.0.2"); err != nil {
				t.Fatal(err)
			}
			if err := a2.Reserve(ctx, owner("thief"), "10.0.0.2"); !errors.Is(err, ErrAllocated) {
				t.Fatalf("a release for another service freed the address: %v", err)
			}
			if err := a1.Release(ctx, owner("s0"), "10.0.0.2"); err != nil {
				t.Fatal(err)
			}
			// a2's hint knows every address taken; it reads storage again.
			if ip, err := a2.Allocate(ctx, owner("late")); err != nil || ip != "10.0.0.2" {
				t.Fatalf("Allocate after another server's release = %q, %v, want 10.0.0.2", ip, err)
			}
			if err := a1.Reserve(ctx, owner("kubernetes"), "10.0.0.1"); err != nil {
				t.Errorf("the kubernetes service's address must be available to Reserve: %v", err)
			}
		})
	}
}

func TestReserve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ip      string
		wantErr error
		wantMsg string
	}{
		{name: "kubernetes service", ip: "10.96.0.1"},
		{name: "static part", ip: "10.96.0.10"},
		{name: "last usable", ip: "10.111.255.254"},
		{name: "taken", ip: "10.96.0.20", wantErr: ErrAllocated, wantMsg: "provided IP is already allocated"},
		{name: "network address", ip: "10.96.0.0", wantErr: ErrNotInRange},
		{name: "broadcast", ip: "10.111.255.255", wantErr: ErrNotInRange},
		{
			name: "outside", ip: "10.0.0.1", wantErr: ErrNotInRange,
			wantMsg: "the provided IP (10.0.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12",
		},
		{name: "malformed", ip: "10.96.0", wantErr: ErrNotInRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := mustAllocator(t, DefaultServiceCIDR)
			if err := a.Reserve(t.Context(), owner("first"), "10.96.0.20"); err != nil {
				t.Fatal(err)
			}
			err := a.Reserve(t.Context(), owner("second"), tt.ip)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("Reserve(%q) = %v, want %v", tt.ip, err, tt.wantErr)
			}
			if tt.wantMsg != "" && err.Error() != tt.wantMsg {
				t.Errorf("message = %q, want %q", err, tt.wantMsg)
			}
		})
	}
}

func TestReleaseIgnoresForeignAddresses(t *testing.T) {
	t.Parallel()
	a := mustAllocator(t, DefaultServiceCIDR)
	for _, ip := range []string{"", "None", "10.0.0.1", "fd00::1", "10.96.5.5"} {
		if err := a.Release(t.Context(), owner("web"), ip); err != nil {
			t.Errorf("Release(%q) = %v", ip, err)
		}
	}
	if ip, err := a.Allocate(t.Context(), owner("web")); err != nil || ip != "10.96.1.1" {
		t.Errorf("Allocate() = %q, %v", ip, err)
	}
}

// failing is a storage whose writes fail.
type failing struct{ storage.Interface }

var errDown = errors.New("storage down")

func (failing) Create(context.Context, string, []byte) (storage.KeyValue, error) {
	return storage.KeyValue{}, errDown
}

func (failing) Get(context.Context, string) (storage.KeyValue, error) {
	return storage.KeyValue{}, errDown
}

// TestStorageFailures: a storage error is an error, never an address, and
// a failed release is reported.
func TestStorageFailures(t *testing.T) {
	t.Parallel()
	a := newAllocator(t, DefaultServiceCIDR, failing{newMemory(t)}, nil)
	if ip, err := a.Allocate(t.Context(), owner("web")); err == nil || errors.Is(err, ErrFull) {
		t.Errorf("Allocate on failing storage = %q, %v", ip, err)
	}
	if err := a.Reserve(t.Context(), owner("web"), "10.96.0.10"); err == nil || errors.Is(err, ErrAllocated) {
		t.Errorf("Reserve on failing storage = %v", err)
	}
	if err := a.Release(t.Context(), owner("web"), "10.96.0.10"); err == nil {
		t.Error("Release on failing storage reported no error")
	}
}

// newServices returns a services store over st whose cluster IPs come
// from alloc, with clk stamping creation.
func newServices(t testing.TB, alloc IPAllocator, st storage.Interface, clk clock.PassiveClock) *store.Store {
	t.Helper()
	s, err := store.New(Resource(alloc), st, store.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// counting counts the creates that reach storage.
type counting struct {
	storage.Interface
	creates atomic.Int64
}

func (c *counting) Create(ctx context.Context, key string, value []byte) (storage.KeyValue, error) {
	c.creates.Add(1)
	return c.Interface.Create(ctx, key, value)
}

// BenchmarkSharedAllocate allocates b.N addresses through one or two
// allocators sharing a storage, 16 goroutines each, and reports the
// storage creates per allocation (1 without collisions).
func BenchmarkSharedAllocate(b *testing.B) {
	for _, backend := range []string{"memory", "etcd"} {
		for _, servers := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/servers=%d", backend, servers), func(b *testing.B) {
				var st storage.Interface
				if backend == "memory" {
					st = newMemory(b)
				} else {
					s, err := etcd.New(b.Context(), etcd.Config{Client: etcdtest.Start(b), CompactionInterval: -1, Log: quiet})
					if err != nil {
						b.Fatal(err)
					}
					b.Cleanup(func() { _ = s.Close() })
					st = s
				}
				var allocs []*Allocator
				var counters []*counting
				for range servers {
					c := &counting{Interface: st}
					counters = append(counters, c)
					allocs = append(allocs, newAllocator(b, DefaultServiceCIDR, c, nil))
				}
				var next atomic.Int64
				var wg sync.WaitGroup
				b.ResetTimer()
				for _, a := range allocs {
					for range 16 {
						wg.Go(func() {
							for {
								i := next.Add(1)
								if i > int64(b.N) {
									return
								}
								if _, err := a.Allocate(context.Background(), owner(fmt.Sprint("s", i))); err != nil {
									b.Error(err)
									return
								}
							}
						})
					}
				}
				wg.Wait()
				b.StopTimer()
				var creates int64
				for _, c := range counters {
					creates += c.creates.Load()
				}
				b.ReportMetric(float64(creates)/float64(b.N), "creates/alloc")
			})
		}
	}
}
