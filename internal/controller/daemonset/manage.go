package daemonset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// manage creates the daemon pods missing on eligible nodes and deletes the
// ones that must go: on nodes that no longer admit them, finished ones,
// extra ones, and unbound ones for nodes that no longer exist.
func (c *Controller) manage(ctx context.Context, set *appsv1.DaemonSet, nodes []*corev1.Node, hash string) error {
	byNode, err := c.nodeToDaemonPods(ctx, set, false)
	if err != nil {
		return err
	}
	var create, remove []string
	for _, node := range nodes {
		needs, del := c.podsShouldBeOnNode(node, byNode, set, hash)
		create = append(create, needs...)
		remove = append(remove, del...)
	}
	remove = append(remove, unscheduledPodsWithoutNode(nodes, byNode)...)
	return c.syncNodes(ctx, set, remove, create, hash)
}

// podsShouldBeOnNode is upstream's decision for one node.
func (c *Controller) podsShouldBeOnNode(node *corev1.Node, byNode map[string][]*corev1.Pod, set *appsv1.DaemonSet, hash string) (create, remove []string) {
	shouldRun, shouldContinueRunning := nodeShouldRunDaemonPod(node, set)
	pods, exists := byNode[node.Name]
	switch {
	case shouldRun && !exists:
		return []string{node.Name}, nil
	case shouldContinueRunning:
		running, finished := c.sortOutFinished(set, node.Name, pods)
		if !allowsSurge(set) {
			return nil, append(finished, extraPods(running)...)
		}
		if len(running) == 0 && shouldRun {
			// Surging needs one pod not being deleted on the node.
			return []string{node.Name}, finished
		}
		return nil, append(finished, c.surgeExtras(set, running, hash)...)
	case exists:
		for _, pod := range pods {
			if pod.DeletionTimestamp == nil {
				remove = append(remove, pod.Name)
			}
		}
	}
	return nil, remove
}

// sortOutFinished splits the node's pods not being deleted into running
// ones and finished ones to delete. A failed pod is deleted at most once
// per backoff period per node (1 s doubling to 15 min), with a
// FailedDaemonPod warning; inside the period the set is looked at again
// when it ends.
func (c *Controller) sortOutFinished(set *appsv1.DaemonSet, node string, pods []*corev1.Pod) (running []*corev1.Pod, finished []string) {
	for _, pod := range pods {
		switch {
		case pod.DeletionTimestamp != nil:
		case pod.Status.Phase == corev1.PodFailed:
			key := string(set.UID) + "/" + node
			now := c.clock.Now()
			if c.failedPodsBackoff.IsInBackOffSinceUpdate(key, now) {
				c.enqueueAfter(set, c.failedPodsBackoff.Get(key))
				continue
			}
			c.failedPodsBackoff.Next(key, now)
			c.recorder.Eventf(set, corev1.EventTypeWarning, "FailedDaemonPod",
				"Found failed daemon pod %s/%s on node %s, will try to kill it", pod.Namespace, pod.Name, node)
			finished = append(finished, pod.Name)
		case pod.Status.Phase == corev1.PodSucceeded:
			finished = append(finished, pod.Name)
		default:
			running = append(running, pod)
		}
	}
	return running, finished
}

// extraPods: without surge a node keeps only its oldest running pod.
func extraPods(running []*corev1.Pod) []string {
	if len(running) <= 1 {
		return nil
	}
	sortByCreation(running)
	var names []string
	for _, pod := range running[1:] {
		names = append(names, pod.Name)
	}
	return names
}

// surgeExtras: with surge a node keeps its oldest updated pod and its
// oldest old pod; the old one goes once it is not Ready or the new one is
// available. Every other pod goes.
func (c *Controller) surgeExtras(set *appsv1.DaemonSet, running []*corev1.Pod, hash string) []string {
	if len(running) <= 1 {
		return nil
	}
	sortByCreation(running)
	var oldestNew, oldestOld *corev1.Pod
	var remove []string
	for _, pod := range running {
		switch {
		case pod.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] == hash && oldestNew == nil:
			oldestNew = pod
		case pod.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] != hash && oldestOld == nil:
			oldestOld = pod
		default:
			remove = append(remove, pod.Name)
		}
	}
	if oldestNew != nil && oldestOld != nil &&
		(!isReady(oldestOld) || isAvailable(oldestNew, set.Spec.MinReadySeconds, c.clock.Now())) {
		remove = append(remove, oldestOld.Name)
	}
	return remove
}

// unscheduledPodsWithoutNode: unbound pods aimed at nodes that no longer
// exist would never be bound, nor collected by the pod garbage collector.
func unscheduledPodsWithoutNode(nodes []*corev1.Node, byNode map[string][]*corev1.Pod) []string {
	exists := map[string]bool{}
	for _, node := range nodes {
		exists[node.Name] = true
	}
	var names []string
	for node, pods := range byNode {
		if exists[node] {
			continue
		}
		for _, pod := range pods {
			if pod.Spec.NodeName == "" {
				names = append(names, pod.Name)
			}
		}
	}
	return names
}
