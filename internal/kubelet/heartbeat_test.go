package kubelet

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// heartbeat runs node-1's heartbeat at t0+d and returns when the next is due.
func (f *fixture) heartbeat(d time.Duration) time.Duration {
	f.t.Helper()
	f.at(d)
	f.refresh()
	next, err := f.c.syncNode(f.t.Context(), "node-1")
	if err != nil {
		f.t.Fatalf("heartbeat at %s: %v", d, err)
	}
	if next.IsZero() {
		return -1
	}
	return next.Sub(t0)
}

func TestNodeRegistersAndRenewsItsLease(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if next := f.heartbeat(0); next != 10*time.Second {
		t.Fatalf("next heartbeat at %s, want 10s", next)
	}
	node, err := f.client.CoreV1().Nodes().Get(t.Context(), "node-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if node.Labels[corev1.LabelTopologyZone] != "zone-a" || node.Status.NodeInfo.KubeletVersion != KubeletVersion || len(node.Status.Addresses) != 2 {
		t.Errorf("node = %+v", node)
	}
	if c := node.Status.Conditions[3]; c.Type != corev1.NodeReady || c.Status != corev1.ConditionTrue || c.Reason != "KubeletReady" {
		t.Errorf("Ready condition %+v", c)
	}
	for d := 10 * time.Second; d <= time.Minute; d += 10 * time.Second {
		f.heartbeat(d)
		lease, err := f.client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(t.Context(), "node-1", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !lease.Spec.RenewTime.Time.Equal(t0.Add(d)) || *lease.Spec.HolderIdentity != "node-1" || *lease.Spec.LeaseDurationSeconds != 40 ||
			lease.OwnerReferences[0].Kind != "Node" {
			t.Fatalf("lease at %s = %+v", d, lease.Spec)
		}
	}
	// An early (leftover) timer does nothing and is not requeued.
	if next := f.heartbeat(time.Minute + time.Second); next != -1 {
		t.Errorf("early heartbeat requeued at %s", next)
	}
}

func TestNodeStatusIsReportedWhenChangedOrEveryFiveMinutes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.heartbeat(0) // registration carries the status
	for d := 10 * time.Second; d < NodeStatusReportFrequency; d += 10 * time.Second {
		f.heartbeat(d)
	}
	if n := f.statusPatches("nodes"); n != 0 {
		t.Fatalf("%d status patches before 5 min, want 0", n)
	}
	f.heartbeat(NodeStatusReportFrequency)
	if n := f.statusPatches("nodes"); n != 1 {
		t.Fatalf("%d status patches at 5 min, want 1", n)
	}
	// The node lifecycle controller marks the node Unknown: the next
	// heartbeat sets it right.
	node, _ := f.client.CoreV1().Nodes().Get(t.Context(), "node-1", metav1.GetOptions{})
	node.Status.Conditions[3].Status = corev1.ConditionUnknown
	if _, err := f.client.CoreV1().Nodes().UpdateStatus(t.Context(), node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.heartbeat(NodeStatusReportFrequency + 10*time.Second)
	node, _ = f.client.CoreV1().Nodes().Get(t.Context(), "node-1", metav1.GetOptions{})
	if c := node.Status.Conditions[3]; c.Status != corev1.ConditionTrue || !c.LastHeartbeatTime.Time.Equal(t0.Add(NodeStatusReportFrequency+10*time.Second)) {
		t.Errorf("Ready after the fix = %+v", c)
	}
}

func TestStoppedNodeSendsNoHeartbeats(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.heartbeat(0)
	if err := f.sim.StopNode("node-1"); err != nil {
		t.Fatal(err)
	}
	f.heartbeat(10 * time.Second)
	f.heartbeat(20 * time.Second)
	lease, _ := f.client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(t.Context(), "node-1", metav1.GetOptions{})
	if !lease.Spec.RenewTime.Time.Equal(t0) {
		t.Fatalf("lease renewed at %s while stopped", lease.Spec.RenewTime.Sub(t0))
	}
	if err := f.sim.StartNode("node-1"); err != nil {
		t.Fatal(err)
	}
	f.heartbeat(25 * time.Second) // due at once after StartNode
	lease, _ = f.client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(t.Context(), "node-1", metav1.GetOptions{})
	if !lease.Spec.RenewTime.Time.Equal(t0.Add(25 * time.Second)) {
		t.Errorf("lease renewed at %s after StartNode, want 25s", lease.Spec.RenewTime.Sub(t0))
	}
	if err := f.sim.StopNode("node-9"); err == nil {
		t.Error("StopNode of an unknown node succeeded")
	}
}
