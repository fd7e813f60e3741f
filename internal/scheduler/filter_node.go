package scheduler

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"

	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
)

// unschedulableTaint is the taint cordoning stands for: a pod that
// tolerates it (DaemonSet pods do) may land on a cordoned node.
var unschedulableTaint = corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}

// filterUnschedulable is NodeUnschedulable.
func filterUnschedulable(c *cycle, n *nodeInfo) *status {
	if !n.node.Spec.Unschedulable || tolerates(c.pod, unschedulableTaint) {
		return nil
	}
	return &status{plugin: pluginUnschedulable, reasons: []string{reasonUnschedulable}}
}

// filterTaints is TaintToleration: every NoSchedule and NoExecute taint
// must be tolerated. A node whose Ready condition is not True counts as
// carrying the taint the node lifecycle controller would give it
// (not-ready, or unreachable when Unknown or missing), so pods stay off
// unhealthy nodes even where no such controller runs.
func filterTaints(c *cycle, n *nodeInfo) *status {
	taints := n.node.Spec.Taints
	if t, ok := readinessTaint(n.node); ok {
		taints = append(append([]corev1.Taint{}, taints...), t)
	}
	_, untolerated := corev1helpers.FindMatchingUntoleratedTaint(klog.Background(), taints, c.pod.Spec.Tolerations,
		func(t *corev1.Taint) bool {
			return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
		}, false)
	if !untolerated {
		return nil
	}
	return &status{plugin: pluginTaints, reasons: []string{reasonTaints}}
}

// readinessTaint returns the NoSchedule taint a node that is not Ready
// should carry, unless it already carries one with that key.
func readinessTaint(node *corev1.Node) (corev1.Taint, bool) {
	key := corev1.TaintNodeUnreachable
	for _, cond := range node.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			switch cond.Status {
			case corev1.ConditionTrue:
				return corev1.Taint{}, false
			case corev1.ConditionFalse:
				key = corev1.TaintNodeNotReady
			}
		}
	}
	for _, t := range node.Spec.Taints {
		if t.Key == key && t.Effect == corev1.TaintEffectNoSchedule {
			return corev1.Taint{}, false
		}
	}
	return corev1.Taint{Key: key, Effect: corev1.TaintEffectNoSchedule}, true
}

func tolerates(pod *corev1.Pod, taint corev1.Taint) bool {
	return corev1helpers.TolerationsTolerateTaint(klog.Background(), pod.Spec.Tolerations, &taint, false)
}

// filterNodeAffinity is NodeAffinity: spec.nodeSelector and the required
// node affinity terms (matchExpressions on labels, matchFields on
// metadata.name, as DaemonSet pods use).
func filterNodeAffinity(c *cycle, n *nodeInfo) *status {
	if ok, err := c.affinity.Match(n.node); ok && err == nil {
		return nil
	}
	return &status{plugin: pluginNodeAffinity, reasons: []string{reasonNodeAffinity}}
}
