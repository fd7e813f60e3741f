package service

import (
	"errors"
	"testing"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/storage"
)

// TestDryRunTakesNothing: in a dry run the allocator only checks, as
// upstream's dry-run allocator does: Allocate names a free address without
// storing its IPAddress, Reserve reports a taken address and stores nothing
// for a free one, and Release deletes nothing.
func TestDryRunTakesNothing(t *testing.T) {
	t.Parallel()
	st := newMemory(t)
	a := newAllocator(t, "10.0.0.0/24", st, nil)
	ctx := t.Context()
	dry := registry.WithDryRun(ctx)
	stored := func() int {
		t.Helper()
		res, err := st.List(ctx, "/", storage.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return len(res.KVs)
	}

	held, err := a.Allocate(ctx, owner("real"))
	if err != nil {
		t.Fatal(err)
	}
	ip, err := a.Allocate(dry, owner("dry"))
	if err != nil || ip == "" || ip == held {
		t.Fatalf("dry-run Allocate = %q, %v; want a free address other than the held %s", ip, err, held)
	}
	if err := a.Reserve(dry, owner("dry"), held); !errors.Is(err, ErrAllocated) {
		t.Errorf("dry-run Reserve of the held %s: %v, want ErrAllocated", held, err)
	}
	if err := a.Reserve(dry, owner("dry"), "10.0.0.200"); err != nil {
		t.Errorf("dry-run Reserve of a free address: %v", err)
	}
	if err := a.Release(dry, owner("real"), held); err != nil {
		t.Fatal(err)
	}
	if n := stored(); n != 1 {
		t.Fatalf("%d objects stored after the dry runs, want only the real allocation's", n)
	}
	// The address the dry run named is still free for real.
	if err := a.Reserve(ctx, owner("next"), ip); err != nil {
		t.Errorf("reserving %s, which only a dry run named: %v", ip, err)
	}
}
