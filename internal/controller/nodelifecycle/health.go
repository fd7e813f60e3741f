package nodelifecycle

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// nodeHealth is what the monitor remembers of a node between passes.
type nodeHealth struct {
	// probe is when a heartbeat was last seen: a new lastHeartbeatTime of
	// the Ready condition, or a newer Lease renewTime.
	probe      time.Time
	heartbeat  metav1.Time
	leaseRenew time.Time
	// ready is the Ready status seen at the last pass.
	ready corev1.ConditionStatus
}

// The conditions a silent kubelet no longer vouches for, and their
// messages (upstream's nodeConditionTypes).
var watchedConditions = []corev1.NodeConditionType{
	corev1.NodeReady, corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure,
}

// monitorNodes is one pass of the node monitor (upstream's
// monitorNodeHealth).
func (c *Controller) monitorNodes(ctx context.Context) {
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return
	}
	now := c.clock.Now()
	readiness := map[string][]corev1.ConditionStatus{}
	for _, node := range nodes {
		status, was := c.checkHealth(ctx, node, now)
		if was == corev1.ConditionTrue && status != corev1.ConditionTrue {
			c.recorder.Eventf(node, corev1.EventTypeNormal, "NodeNotReady", "Node %s status is now: NodeNotReady", node.Name)
		}
		if status != corev1.ConditionTrue {
			c.markPodsNotReady(ctx, node)
		}
		c.wantNoExecute(ctx, node, status)
		z := zoneOf(node)
		readiness[z] = append(readiness[z], status)
	}
	c.updateZones(ctx, readiness)
}

// checkHealth records the node's heartbeats and, when none came within
// the grace period, marks its conditions Unknown. It returns the node's
// Ready status now and at the previous pass.
func (c *Controller) checkHealth(ctx context.Context, node *corev1.Node, now time.Time) (status, was corev1.ConditionStatus) {
	ready := condition(node, corev1.NodeReady)
	status = corev1.ConditionUnknown
	if ready != nil {
		status = ready.Status
	}
	c.mu.Lock()
	h := c.health[node.Name]
	if h == nil {
		h = &nodeHealth{probe: now, ready: status}
		c.health[node.Name] = h
	}
	if ready != nil && !ready.LastHeartbeatTime.Equal(&h.heartbeat) {
		h.heartbeat, h.probe = ready.LastHeartbeatTime, now
	}
	if renew := c.leaseRenewTime(node.Name); renew.After(h.leaseRenew) {
		h.leaseRenew, h.probe = renew, now
	}
	probe := h.probe
	was = h.ready
	c.mu.Unlock()

	grace := c.opts.GracePeriod
	if ready == nil {
		grace = c.opts.StartupGracePeriod
	}
	if now.After(probe.Add(grace)) && status != corev1.ConditionUnknown {
		if err := c.markUnknown(ctx, node.Name, now); err != nil {
			c.log.Debug("marking node Unknown", "node", node.Name, "err", err)
		} else {
			status = corev1.ConditionUnknown
		}
	}
	c.mu.Lock()
	h.ready = status
	c.mu.Unlock()
	return status, was
}

// leaseRenewTime is the renewTime of the node's Lease in kube-node-lease.
func (c *Controller) leaseRenewTime(node string) time.Time {
	lease, err := c.leases.Leases(corev1.NamespaceNodeLease).Get(node)
	if err != nil || lease.Spec.RenewTime == nil {
		return time.Time{}
	}
	return lease.Spec.RenewTime.Time
}

// markUnknown sets every watched condition Unknown, as the kubelet stopped
// posting them; conditions it never posted get upstream's "never" wording.
func (c *Controller) markUnknown(ctx context.Context, name string, now time.Time) error {
	node, err := c.client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("get node: %w", err)
	}
	t := metav1.NewTime(now)
	for _, typ := range watchedConditions {
		cond := condition(node, typ)
		if cond == nil {
			node.Status.Conditions = append(node.Status.Conditions, corev1.NodeCondition{
				Type: typ, Status: corev1.ConditionUnknown, Reason: "NodeStatusNeverUpdated",
				Message: "Kubelet never posted node status.", LastHeartbeatTime: t, LastTransitionTime: t,
			})
			continue
		}
		if cond.Status != corev1.ConditionUnknown {
			cond.Status, cond.LastTransitionTime = corev1.ConditionUnknown, t
		}
		cond.Reason, cond.Message = "NodeStatusUnknown", "Kubelet stopped posting node status."
	}
	if _, err := c.client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update node status: %w", err)
	}
	return nil
}

// markPodsNotReady sets Ready=False on every pod of a node that is not
// Ready (upstream's MarkPodsNotReady), with a Warning event on each.
func (c *Controller) markPodsNotReady(ctx context.Context, node *corev1.Node) {
	for _, cached := range c.podsOn(node.Name) {
		cond := podCondition(cached, corev1.PodReady)
		if cond == nil || cond.Status == corev1.ConditionFalse {
			continue
		}
		pod := cached.DeepCopy()
		cond = podCondition(pod, corev1.PodReady)
		cond.Status, cond.LastTransitionTime = corev1.ConditionFalse, metav1.NewTime(c.clock.Now())
		_, err := c.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			c.log.Debug("marking pod not ready", "pod", pod.Namespace+"/"+pod.Name, "err", err)
			continue
		}
		c.recorder.Event(pod, corev1.EventTypeWarning, "NodeNotReady", "Node is not ready")
	}
}

func condition(node *corev1.Node, typ corev1.NodeConditionType) *corev1.NodeCondition {
	for i := range node.Status.Conditions {
		if node.Status.Conditions[i].Type == typ {
			return &node.Status.Conditions[i]
		}
	}
	return nil
}

func podCondition(pod *corev1.Pod, typ corev1.PodConditionType) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == typ {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}
