package nodelifecycle

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
)

// conditionTaints maps a node condition's status to the NoSchedule taint
// that mirrors it (upstream's nodeConditionToTaintKeyStatusMap).
var conditionTaints = map[corev1.NodeConditionType]map[corev1.ConditionStatus]string{
	corev1.NodeReady: {
		corev1.ConditionFalse:   corev1.TaintNodeNotReady,
		corev1.ConditionUnknown: corev1.TaintNodeUnreachable,
	},
	corev1.NodeMemoryPressure:     {corev1.ConditionTrue: corev1.TaintNodeMemoryPressure},
	corev1.NodeDiskPressure:       {corev1.ConditionTrue: corev1.TaintNodeDiskPressure},
	corev1.NodeNetworkUnavailable: {corev1.ConditionTrue: corev1.TaintNodeNetworkUnavailable},
	corev1.NodePIDPressure:        {corev1.ConditionTrue: corev1.TaintNodePIDPressure},
}

// managedNoSchedule are the NoSchedule taint keys this controller owns.
var managedNoSchedule = []string{
	corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable, corev1.TaintNodeMemoryPressure,
	corev1.TaintNodeDiskPressure, corev1.TaintNodeNetworkUnavailable, corev1.TaintNodePIDPressure,
	corev1.TaintNodeUnschedulable,
}

// wantedNoSchedule lists the NoSchedule taint keys the node's conditions
// and spec.unschedulable call for, in managedNoSchedule order.
func wantedNoSchedule(node *corev1.Node) []string {
	want := map[string]bool{}
	for _, cond := range node.Status.Conditions {
		if key, ok := conditionTaints[cond.Type][cond.Status]; ok {
			want[key] = true
		}
	}
	if node.Spec.Unschedulable {
		want[corev1.TaintNodeUnschedulable] = true
	}
	var keys []string
	for _, k := range managedNoSchedule {
		if want[k] {
			keys = append(keys, k)
		}
	}
	return keys
}

// mirrorNoSchedule brings the node's managed NoSchedule taints in line
// with its conditions (upstream's doNoScheduleTaintingPass).
func (c *Controller) mirrorNoSchedule(ctx context.Context, name string) error {
	cached, err := c.nodes.Get(name)
	if err != nil {
		return nil // deleted: nothing to mirror
	}
	if slices.Equal(wantedNoSchedule(cached), taintKeys(cached, corev1.TaintEffectNoSchedule, managedNoSchedule)) {
		return nil
	}
	return c.updateTaints(ctx, name, func(node *corev1.Node) []corev1.Taint {
		keep := withoutTaints(node.Spec.Taints, corev1.TaintEffectNoSchedule, managedNoSchedule)
		for _, key := range wantedNoSchedule(node) {
			keep = append(keep, corev1.Taint{Key: key, Effect: corev1.TaintEffectNoSchedule})
		}
		return keep
	})
}

// updateTaints rewrites a node's taints with taints(live node), retrying
// on conflict; it writes nothing when the list is unchanged.
func (c *Controller) updateTaints(ctx context.Context, name string, taints func(*corev1.Node) []corev1.Taint) error {
	return retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		node, err := c.client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("get node: %w", err)
		}
		want := taints(node)
		if slices.EqualFunc(want, node.Spec.Taints, func(a, b corev1.Taint) bool { return a.MatchTaint(&b) }) {
			return nil
		}
		node.Spec.Taints = want
		_, err = c.client.CoreV1().Nodes().Update(ctx, node, metav1.UpdateOptions{})
		return err
	})
}

// taintKeys lists the keys of the node's taints with effect among keys,
// in keys' order.
func taintKeys(node *corev1.Node, effect corev1.TaintEffect, keys []string) []string {
	var out []string
	for _, k := range keys {
		if hasTaint(node, k, effect) {
			out = append(out, k)
		}
	}
	return out
}

func hasTaint(node *corev1.Node, key string, effect corev1.TaintEffect) bool {
	return slices.ContainsFunc(node.Spec.Taints, func(t corev1.Taint) bool { return t.Key == key && t.Effect == effect })
}

// withoutTaints drops the taints of effect whose key is among keys.
func withoutTaints(taints []corev1.Taint, effect corev1.TaintEffect, keys []string) []corev1.Taint {
	out := make([]corev1.Taint, 0, len(taints))
	for _, t := range taints {
		if t.Effect == effect && slices.Contains(keys, t.Key) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// noExecuteKey is the NoExecute taint a Ready status calls for ("" for
// none).
func noExecuteKey(status corev1.ConditionStatus) string {
	switch status {
	case corev1.ConditionFalse:
		return corev1.TaintNodeNotReady
	case corev1.ConditionUnknown:
		return corev1.TaintNodeUnreachable
	}
	return ""
}

var noExecuteKeys = []string{corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable}

// wantNoExecute acts on a node's Ready status: a Ready node loses its
// NoExecute taints at once; a node with the other NoExecute taint has it
// swapped at once; any other not-ready node waits in its zone's queue.
func (c *Controller) wantNoExecute(ctx context.Context, node *corev1.Node, status corev1.ConditionStatus) {
	key := noExecuteKey(status)
	z := c.zone(zoneOf(node))
	switch {
	case key == "":
		z.remove(node.Name)
		if len(taintKeys(node, corev1.TaintEffectNoExecute, noExecuteKeys)) > 0 {
			c.setNoExecute(ctx, node.Name, "")
		}
	case hasTaint(node, key, corev1.TaintEffectNoExecute):
		z.remove(node.Name)
	case len(taintKeys(node, corev1.TaintEffectNoExecute, noExecuteKeys)) > 0:
		z.remove(node.Name)
		c.setNoExecute(ctx, node.Name, key)
	default:
		z.add(node.Name)
	}
}

// setNoExecute makes key the node's only not-ready/unreachable NoExecute
// taint ("" removes both), stamped with the time it was added.
func (c *Controller) setNoExecute(ctx context.Context, name, key string) {
	err := c.updateTaints(ctx, name, func(node *corev1.Node) []corev1.Taint {
		if key != "" && hasTaint(node, key, corev1.TaintEffectNoExecute) {
			return node.Spec.Taints
		}
		taints := withoutTaints(node.Spec.Taints, corev1.TaintEffectNoExecute, noExecuteKeys)
		if key != "" {
			now := metav1.NewTime(c.clock.Now())
			taints = append(taints, corev1.Taint{Key: key, Effect: corev1.TaintEffectNoExecute, TimeAdded: &now})
		}
		return taints
	})
	if err != nil {
		c.log.Debug("setting NoExecute taint", "node", name, "taint", key, "err", err)
	}
}
