package daemonset

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// rollingUpdate replaces old pods within the budget. Without surge it
// deletes old pods while fewer than maxUnavailable nodes are unavailable
// (manage then creates their replacements); with surge it creates new pods
// beside available old ones, up to maxSurge at a time, and deletes an old
// pod once its node's new pod is available. Pods being deleted do not
// count as unavailable, so a rollout progresses past nodes that are down.
func (c *Controller) rollingUpdate(ctx context.Context, set *appsv1.DaemonSet, nodes []*corev1.Node, hash string) error {
	byNode, err := c.nodeToDaemonPods(ctx, set, false)
	if err != nil {
		return err
	}
	maxSurge, maxUnavailable, desired, err := desiredCounts(set, nodes, byNode)
	if err != nil {
		return err
	}
	if maxSurge == 0 {
		return c.syncNodes(ctx, set, c.replaceWithinUnavailable(set, byNode, hash, maxUnavailable), nil, hash)
	}
	remove, create, err := c.replaceWithSurge(set, byNode, hash, maxSurge, maxUnavailable, desired)
	if err != nil {
		return err
	}
	return c.syncNodes(ctx, set, remove, create, hash)
}

// desiredCounts resolves maxSurge and maxUnavailable (both rounded up)
// against the number of nodes that should run the pod, and adds those
// nodes to byNode so a node without a pod counts as unavailable. Neither
// allowed means maxUnavailable 1, as upstream.
func desiredCounts(set *appsv1.DaemonSet, nodes []*corev1.Node, byNode map[string][]*corev1.Pod) (maxSurge, maxUnavailable, desired int, err error) {
	for _, node := range nodes {
		if shouldRun, _ := nodeShouldRunDaemonPod(node, set); shouldRun {
			desired++
			if _, ok := byNode[node.Name]; !ok {
				byNode[node.Name] = nil
			}
		}
	}
	ru := set.Spec.UpdateStrategy.RollingUpdate
	if ru != nil && ru.MaxUnavailable != nil {
		if maxUnavailable, err = intstr.GetScaledValueFromIntOrPercent(ru.MaxUnavailable, desired, true); err != nil {
			return 0, 0, 0, fmt.Errorf("maxUnavailable: %w", err)
		}
	}
	if maxSurge, err = surgeCount(set, desired); err != nil {
		return 0, 0, 0, err
	}
	if desired > 0 && maxUnavailable == 0 && maxSurge == 0 {
		maxUnavailable = 1
	}
	return maxSurge, maxUnavailable, desired, nil
}

func surgeCount(set *appsv1.DaemonSet, desired int) (int, error) {
	ru := set.Spec.UpdateStrategy.RollingUpdate
	if set.Spec.UpdateStrategy.Type != appsv1.RollingUpdateDaemonSetStrategyType || ru == nil || ru.MaxSurge == nil {
		return 0, nil
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(ru.MaxSurge, desired, true)
	if err != nil {
		return 0, fmt.Errorf("maxSurge: %w", err)
	}
	return n, nil
}

func allowsSurge(set *appsv1.DaemonSet) bool {
	n, err := surgeCount(set, 1)
	return err == nil && n != 0
}

// updatedPodsOnNode returns the node's updated and old pod not being
// deleted; ok is false when there are several of either (manage cleans
// that node up first).
func updatedPodsOnNode(set *appsv1.DaemonSet, pods []*corev1.Pod, hash string) (newPod, oldPod *corev1.Pod, ok bool) {
	generation := templateGeneration(set)
	for _, pod := range pods {
		if pod.DeletionTimestamp != nil {
			continue
		}
		if isUpdated(pod, hash, generation) {
			if newPod != nil {
				return nil, nil, false
			}
			newPod = pod
		} else {
			if oldPod != nil {
				return nil, nil, false
			}
			oldPod = pod
		}
	}
	return newPod, oldPod, true
}

// replaceWithinUnavailable picks the old pods to delete without surge:
// every old pod that is unavailable anyway, plus available old pods while
// the unavailable count stays within maxUnavailable.
func (c *Controller) replaceWithinUnavailable(set *appsv1.DaemonSet, byNode map[string][]*corev1.Pod, hash string, maxUnavailable int) []string {
	now := c.clock.Now()
	unavailable := 0
	var replace, candidates []string
	for _, pods := range byNode {
		newPod, oldPod, ok := updatedPodsOnNode(set, pods, hash)
		switch {
		case !ok, newPod == nil && oldPod == nil, newPod != nil && oldPod != nil:
			unavailable++
		case newPod != nil:
			if !isAvailable(newPod, set.Spec.MinReadySeconds, now) {
				unavailable++
			}
		case !isAvailable(oldPod, set.Spec.MinReadySeconds, now):
			replace = append(replace, oldPod.Name)
			unavailable++
		case unavailable < maxUnavailable:
			candidates = append(candidates, oldPod.Name)
		}
	}
	allowed := min(max(maxUnavailable-unavailable, 0), len(candidates))
	return append(replace, candidates[:allowed]...)
}
