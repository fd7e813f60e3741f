package daemonset

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// replaceWithSurge picks, with surge, the nodes that get a new pod beside
// their old one (every node whose old pod is unavailable, plus up to
// maxSurge more) and the old pods to delete (those whose new pod is
// available, those unavailable on nodes that no longer admit the set, and
// within maxUnavailable the available ones on such nodes).
func (c *Controller) replaceWithSurge(set *appsv1.DaemonSet, byNode map[string][]*corev1.Pod, hash string,
	maxSurge, maxUnavailable, desired int) (remove, create []string, err error) {
	now := c.clock.Now()
	var sunset, allowed, candidates []string
	surging, available := 0, 0
	for nodeName, pods := range byNode {
		newPod, oldPod, ok := updatedPodsOnNode(set, pods, hash)
		if !ok {
			surging++
			continue
		}
		if p := oldPod; p != nil || newPod != nil {
			if p == nil {
				p = newPod
			}
			if isAvailable(p, set.Spec.MinReadySeconds, now) {
				available++
			}
		}
		switch {
		case oldPod == nil:
		case newPod == nil:
			node, err := c.nodes.Get(nodeName)
			if err != nil {
				return nil, nil, fmt.Errorf("get node %q: %w", nodeName, err)
			}
			shouldRun, _ := nodeShouldRunDaemonPod(node, set)
			switch {
			case !isAvailable(oldPod, set.Spec.MinReadySeconds, now) && !shouldRun:
				remove = append(remove, oldPod.Name)
			case !isAvailable(oldPod, set.Spec.MinReadySeconds, now):
				allowed = append(allowed, nodeName)
			case !shouldRun:
				sunset = append(sunset, oldPod.Name)
			case surging < maxSurge:
				candidates = append(candidates, nodeName)
			}
		case !isAvailable(newPod, set.Spec.MinReadySeconds, now):
			surging++
		default:
			remove = append(remove, oldPod.Name)
		}
	}
	create = append(allowed, candidates[:min(max(maxSurge-surging, 0), len(candidates))]...)
	if len(sunset) > 0 {
		room := min(max(maxUnavailable-(desired-available), 0), len(sunset))
		remove = append(remove, sunset[:room]...)
	}
	return remove, create, nil
}
