package kubelet

import (
	"context"
	"fmt"
	"slices"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

const (
	// NodeStatusUpdateFrequency is how often a node's status is recomputed
	// and its Lease renewed (upstream: nodeStatusUpdateFrequency 10 s, and
	// the lease renew interval 0.25 × 40 s).
	NodeStatusUpdateFrequency = 10 * time.Second
	// NodeStatusReportFrequency is how often an unchanged status is
	// patched anyway, refreshing lastHeartbeatTime (upstream's default).
	NodeStatusReportFrequency = 5 * time.Minute
	// NodeLeaseDurationSeconds is the Lease's leaseDurationSeconds.
	NodeLeaseDurationSeconds = 40
)

// syncNode is one heartbeat of node name, when one is due: register the
// Node once, renew its Lease, and patch its status when it changed or the
// report period elapsed. It returns when the next heartbeat is due; zero
// when this call came early (a timer left over from StartNode), as the
// pending one will do. A stopped node only keeps its timer going.
func (c *controller) syncNode(ctx context.Context, name string) (time.Time, error) {
	n := c.sim.nodes[name]
	n.mu.Lock()
	defer n.mu.Unlock()
	now := c.clock.Now()
	if now.Before(n.next) {
		return time.Time{}, nil
	}
	n.next = now.Add(NodeStatusUpdateFrequency)
	if n.stopped {
		return n.next, nil
	}
	obj, err := c.nodes.Get(name)
	switch {
	case apierrors.IsNotFound(err) && !n.registered:
		obj, err = c.registerNode(ctx, n, now)
	case apierrors.IsNotFound(err):
		// A kubelet registers once: a deleted Node stays deleted.
		return n.next, fmt.Errorf("node %s: %w", name, err)
	}
	if err != nil {
		return n.next, err
	}
	n.registered = true
	if err := c.renewLease(ctx, n, obj.UID, now); err != nil {
		return n.next, err
	}
	return n.next, c.reportNodeStatus(ctx, n, obj, now)
}

func (c *controller) registerNode(ctx context.Context, n *node, now time.Time) (*corev1.Node, error) {
	obj, err := c.client.CoreV1().Nodes().Create(ctx, n.object(c.sim.opts, now), metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		obj, err = c.client.CoreV1().Nodes().Get(ctx, n.name, metav1.GetOptions{})
	}
	if err != nil {
		return nil, fmt.Errorf("register node %s: %w", n.name, err)
	}
	n.lastReport = now
	return obj, nil
}

// renewLease writes the node's Lease with renewTime now, from the copy
// kept since the last renewal; without one (first renewal, or after a
// conflict) it reads or creates the Lease first, as upstream's lease
// controller does.
func (c *controller) renewLease(ctx context.Context, n *node, uid types.UID, now time.Time) error {
	leases := c.client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	lease, create := n.lease, false
	if lease == nil {
		got, err := leases.Get(ctx, n.name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			got, create = &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: n.name, Namespace: corev1.NamespaceNodeLease}}, true
		case err != nil:
			return fmt.Errorf("get lease %s: %w", n.name, err)
		}
		lease = got
	}
	lease = lease.DeepCopy()
	lease.Spec.HolderIdentity = ptr.To(n.name)
	lease.Spec.LeaseDurationSeconds = ptr.To[int32](NodeLeaseDurationSeconds)
	lease.Spec.RenewTime = &metav1.MicroTime{Time: now}
	lease.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: n.name, UID: uid}}
	var err error
	if create {
		lease, err = leases.Create(ctx, lease, metav1.CreateOptions{})
	} else {
		lease, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
	}
	if err != nil {
		n.lease = nil // read it again next time
		return fmt.Errorf("renew lease %s: %w", n.name, err)
	}
	n.lease = lease
	return nil
}

// reportNodeStatus patches the status when it differs from what the API
// holds (someone marked the node Unknown, say) or when the report period
// has elapsed since the last patch.
func (c *controller) reportNodeStatus(ctx context.Context, n *node, obj *corev1.Node, now time.Time) error {
	want := obj.Status.DeepCopy()
	fresh := n.status(c.sim.opts, &obj.Status, now)
	want.Capacity, want.Allocatable = fresh.Capacity, fresh.Allocatable
	want.Addresses, want.DaemonEndpoints, want.NodeInfo = fresh.Addresses, fresh.DaemonEndpoints, fresh.NodeInfo
	want.Conditions = mergeNodeConditions(obj.Status.Conditions, fresh.Conditions)
	changed := !equality.Semantic.DeepEqual(withoutHeartbeats(obj.Status), withoutHeartbeats(*want))
	if !changed && now.Sub(n.lastReport) < NodeStatusReportFrequency {
		return nil
	}
	patch, err := statusPatch(obj.Status, want, &corev1.Node{}, "")
	if err != nil {
		return err
	}
	if _, err := c.client.CoreV1().Nodes().Patch(ctx, n.name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status"); err != nil {
		return fmt.Errorf("patch node %s status: %w", n.name, err)
	}
	n.lastReport = now
	return nil
}

// mergeNodeConditions replaces the kubelet's conditions in cur by want,
// in place, and keeps the others (NetworkUnavailable, conditions of node
// problem detectors); cur's order is kept so an unchanged status compares
// equal.
func mergeNodeConditions(cur, want []corev1.NodeCondition) []corev1.NodeCondition {
	out := append([]corev1.NodeCondition(nil), cur...)
	for _, w := range want {
		i := slices.IndexFunc(out, func(c corev1.NodeCondition) bool { return c.Type == w.Type })
		if i < 0 {
			out = append(out, w)
			continue
		}
		out[i] = w
	}
	return out
}

func withoutHeartbeats(s corev1.NodeStatus) corev1.NodeStatus {
	s = *s.DeepCopy()
	for i := range s.Conditions {
		s.Conditions[i].LastHeartbeatTime = metav1.Time{}
	}
	return s
}
