package service

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/evictd/evictd/internal/registry/store"
	"github.com/evictd/evictd/internal/storage"
)

// withIP is web() asking for ip.
func withIP(name, ip string) *corev1.Service {
	svc := web()
	svc.Name = name
	svc.Spec.ClusterIP = ip
	return svc
}

// legacy stores a service holding ip with no IPAddress in st, as an
// older evictd (or another allocator) left it: its address comes from an
// allocator over a storage of its own, over cidr.
func legacy(t *testing.T, st storage.Interface, clk *clocktesting.FakeClock, cidr string, svc *corev1.Service) {
	t.Helper()
	other := newAllocator(t, cidr, newMemory(t), clk)
	if _, err := newServices(t, other, st, clk).Create(t.Context(), svc, store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// parentOf returns the service an address is allocated to ("" if free).
func parentOf(t *testing.T, a *Allocator, ip string) string {
	t.Helper()
	obj, err := a.ips.Get(t.Context(), "", ip)
	if apierrors.IsNotFound(err) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return obj.(*networkingv1.IPAddress).Spec.ParentRef.Name
}

// TestRepair: the repair creates the objects of addresses services hold
// without one, gives an address to its holder when its object names
// another parent, frees a leaked allocation only once it is older than the
// grace period, and counts collisions and addresses out of range.
func TestRepair(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	clk := clocktesting.NewFakeClock(time.Date(2026, 12, 4, 14, 0, 0, 0, time.UTC))
	st := newMemory(t)
	alloc := newAllocator(t, DefaultServiceCIDR, st, clk)
	services := newServices(t, alloc, st, clk)

	if _, err := services.Create(ctx, web(), store.CreateOptions{}); err != nil { // 10.96.1.1
		t.Fatal(err)
	}
	leaked, err := alloc.Allocate(ctx, owner("crashed")) // its service was never written
	if err != nil {
		t.Fatal(err)
	}
	if err := alloc.Reserve(ctx, owner("web"), "10.96.0.70"); err != nil { // web does not hold it
		t.Fatal(err)
	}
	legacy(t, st, clk, DefaultServiceCIDR, withIP("old", "10.96.0.50"))
	legacy(t, st, clk, DefaultServiceCIDR, withIP("twin-a", "10.96.0.60"))
	legacy(t, st, clk, DefaultServiceCIDR, withIP("twin-b", "10.96.0.60"))
	legacy(t, st, clk, DefaultServiceCIDR, withIP("taker", "10.96.0.70"))
	legacy(t, st, clk, "192.168.0.0/24", withIP("elsewhere", "192.168.0.10"))

	clk.Step(RepairGracePeriod + time.Second)
	inflight, err := alloc.Allocate(ctx, owner("inflight")) // its service is being written
	if err != nil {
		t.Fatal(err)
	}

	res, err := alloc.Repair(ctx, services)
	if err != nil {
		t.Fatal(err)
	}
	want := RepairResult{Created: 3, Freed: 1, Young: 1, Collisions: 1, OutOfRange: 1}
	if res != want {
		t.Errorf("Repair = %+v, want %+v", res, want)
	}
	for ip, want := range map[string]string{
		"10.96.1.1": "web", leaked: "", inflight: "inflight",
		"10.96.0.50": "old", "10.96.0.60": "twin-a", "10.96.0.70": "taker",
	} {
		if got := parentOf(t, alloc, ip); got != want {
			t.Errorf("%s allocated to %q, want %q", ip, got, want)
		}
	}
	// The freed address is free for this server's hint too.
	if err := alloc.Reserve(ctx, owner("next"), leaked); err != nil {
		t.Errorf("the freed address cannot be reserved: %v", err)
	}

	// Once the grace period has passed, the in-flight allocation whose
	// service never came is freed as well; the rest stays.
	clk.Step(RepairGracePeriod + time.Second)
	res, err = alloc.Repair(ctx, services)
	if err != nil {
		t.Fatal(err)
	}
	// "next" never got its service either.
	want = RepairResult{Freed: 2, Collisions: 1, OutOfRange: 1}
	if res != want {
		t.Errorf("second Repair = %+v, want %+v", res, want)
	}
	if got := parentOf(t, alloc, inflight); got != "" {
		t.Errorf("%s still allocated to %q", inflight, got)
	}
}

// TestRepairKeepsLateService: an old object whose service was written
// after the repair listed the services is kept (its parent is read again).
func TestRepairKeepsLateService(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	clk := clocktesting.NewFakeClock(time.Date(2026, 12, 4, 14, 0, 0, 0, time.UTC))
	st := newMemory(t)
	alloc := newAllocator(t, DefaultServiceCIDR, st, clk)
	services := newServices(t, alloc, st, clk)
	if err := alloc.Reserve(ctx, owner("slow"), "10.96.0.40"); err != nil {
		t.Fatal(err)
	}
	clk.Step(RepairGracePeriod + time.Second)
	// Write the service holding it without allocating (as the create in
	// flight would), through a services store over another allocator.
	legacy(t, st, clk, DefaultServiceCIDR, withIP("slow", "10.96.0.40"))
	ipa, err := alloc.ips.Get(ctx, "", "10.96.0.40")
	if err != nil {
		t.Fatal(err)
	}
	res := RepairResult{}
	if err := alloc.repairOrphan(ctx, services, ipa.(*networkingv1.IPAddress), &res); err != nil {
		t.Fatal(err)
	}
	if res != (RepairResult{}) || parentOf(t, alloc, "10.96.0.40") != "slow" {
		t.Errorf("repair of an address whose service came late: %+v, parent %q", res, parentOf(t, alloc, "10.96.0.40"))
	}
}

// TestRunRepair: the periodic repair runs on the clock it is given and
// stops with its context.
func TestRunRepair(t *testing.T) {
	t.Parallel()
	clk := clocktesting.NewFakeClock(time.Date(2026, 12, 4, 14, 0, 0, 0, time.UTC))
	st := newMemory(t)
	alloc := newAllocator(t, DefaultServiceCIDR, st, clk)
	services := newServices(t, alloc, st, clk)
	leaked, err := alloc.Allocate(t.Context(), owner("crashed"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() { alloc.RunRepair(ctx, services, time.Minute, clk) })
	defer func() {
		cancel()
		wg.Wait()
	}()
	poll := func(what string, done func() bool) {
		t.Helper()
		err := wait.PollUntilContextTimeout(t.Context(), time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) { return done(), nil })
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// One tick inside the grace period keeps it, the second frees it.
	for range 2 {
		poll("the repair never waited on its ticker", clk.HasWaiters)
		clk.Step(time.Minute + time.Second)
	}
	poll("the leaked address was never freed", func() bool {
		_, err := st.Get(t.Context(), "/networking.k8s.io/ipaddresses/"+leaked)
		return errors.Is(err, storage.ErrKeyNotFound)
	})
}

// TestServiceLifecycle: through the services store, a create allocates
// (also under generateName, whose name the object records), a delete
// releases, and a create the store refuses after allocating (the name
// exists) releases what it took.
func TestServiceLifecycle(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := newMemory(t)
	alloc := newAllocator(t, DefaultServiceCIDR, st, nil)
	services := newServices(t, alloc, st, nil)
	obj, err := services.Create(ctx, web(), store.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ip := obj.(*corev1.Service).Spec.ClusterIP
	dup := web()
	if _, err := services.Create(ctx, dup, store.CreateOptions{}); !apierrors.IsAlreadyExists(err) {
		t.Fatalf("second create of web = %v", err)
	}
	if dup.Spec.ClusterIP == "" || dup.Spec.ClusterIP == ip || parentOf(t, alloc, dup.Spec.ClusterIP) != "" {
		t.Errorf("the refused create's address %q is still allocated", dup.Spec.ClusterIP)
	}
	if parentOf(t, alloc, ip) != "web" {
		t.Errorf("the refused create released the stored service's address")
	}
	gen := web()
	gen.Name, gen.GenerateName = "", "web-"
	obj, err = services.Create(ctx, gen, store.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	generated := obj.(*corev1.Service)
	if got := parentOf(t, alloc, generated.Spec.ClusterIP); got != generated.Name || len(got) != len("web-")+5 {
		t.Errorf("generated service %q: its address names %q", generated.Name, got)
	}
	if _, _, err := services.Delete(ctx, "default", "web", &metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := parentOf(t, alloc, ip); got != "" {
		t.Errorf("%s still allocated to %q after the delete", ip, got)
	}
}
