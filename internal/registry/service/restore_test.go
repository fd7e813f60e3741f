package service

import (
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestReserveClusterIPs: a rebuilt allocator never hands out an address a
// stored service holds, and names the services it could not reserve for.
func TestReserveClusterIPs(t *testing.T) {
	t.Parallel()
	alloc, err := NewIPAllocator("10.96.0.0/28") // offsets 1..14
	if err != nil {
		t.Fatal(err)
	}
	svc := func(name string, ips ...string) corev1.Service {
		s := corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name}}
		s.Spec.ClusterIPs = ips
		if len(ips) > 0 {
			s.Spec.ClusterIP = ips[0]
		}
		return s
	}
	legacy := svc("legacy")
	legacy.Spec.ClusterIP = "10.96.0.4" // clusterIP only, no clusterIPs
	stored := []corev1.Service{
		svc("kubernetes", "10.96.0.1"),
		svc("web", "10.96.0.2"),
		svc("headless", corev1.ClusterIPNone),
		svc("external"),
		legacy,
		svc("twin", "10.96.0.2"),
		svc("elsewhere", "192.168.0.1"),
	}
	err = ReserveClusterIPs(alloc, stored)
	if !errors.Is(err, ErrAllocated) || !strings.Contains(err.Error(), "default/twin") ||
		!strings.Contains(err.Error(), "default/elsewhere") || strings.Contains(err.Error(), "default/web") {
		t.Fatalf("ReserveClusterIPs: %v; want the twin and the out-of-range service named", err)
	}
	held := map[string]bool{"10.96.0.1": true, "10.96.0.2": true, "10.96.0.4": true}
	for {
		ip, err := alloc.Allocate()
		if errors.Is(err, ErrFull) {
			break
		}
		if err != nil || held[ip] {
			t.Fatalf("Allocate after the rebuild = %s, %v: that address is held", ip, err)
		}
	}
}
