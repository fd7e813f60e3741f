package server_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/evictd/evictd/internal/pki"
	"github.com/evictd/evictd/internal/registry/service"
	"github.com/evictd/evictd/internal/server"
	"github.com/evictd/evictd/internal/storage/memory"
)

// TestServerRepairsLeakedClusterIPs: an address another server allocated
// for a service it never wrote (it crashed in between) is freed by this
// server's periodic repair once the grace period has passed on its clock.
func TestServerRepairsLeakedClusterIPs(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	clock := clocktesting.NewFakeClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	mem := memory.New(memory.Options{})
	bundle, err := pki.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.Start(ctx, server.Config{Listen: "127.0.0.1:0", PKI: bundle, Storage: mem, Clock: clock, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})

	crashed, err := service.NewIPAllocator(service.DefaultServiceCIDR, service.Options{Storage: mem, Clock: clock, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ghost := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "ghost", Namespace: "default", UID: "ghost-uid"}}
	ip, err := crashed.Allocate(ctx, ghost)
	if err != nil {
		t.Fatal(err)
	}
	probe := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "probe", Namespace: "default", UID: "probe-uid"}}
	if err := crashed.Reserve(ctx, probe, ip); !errors.Is(err, service.ErrAllocated) {
		t.Fatalf("reserving the leaked %s: %v, want ErrAllocated", ip, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		clock.Step(service.DefaultRepairInterval)
		err := crashed.Reserve(ctx, probe, ip)
		if err == nil {
			return // freed by the repair
		}
		if !errors.Is(err, service.ErrAllocated) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the leaked %s was never freed by the server's repair", ip)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
