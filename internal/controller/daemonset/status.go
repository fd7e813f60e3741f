package daemonset

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// statusCounts are the counts the controller reports.
type statusCounts struct {
	desired, current, misscheduled, ready, updated, available int32
}

// countStatus judges each node by its oldest pod (bound first).
func (c *Controller) countStatus(set *appsv1.DaemonSet, nodes []*corev1.Node, byNode map[string][]*corev1.Pod, hash string) statusCounts {
	var s statusCounts
	now := c.clock.Now()
	generation := templateGeneration(set)
	for _, node := range nodes {
		shouldRun, _ := nodeShouldRunDaemonPod(node, set)
		pods := byNode[node.Name]
		if !shouldRun {
			if len(pods) > 0 {
				s.misscheduled++
			}
			continue
		}
		s.desired++
		if len(pods) == 0 {
			continue
		}
		s.current++
		sortByCreation(pods)
		pod := pods[0]
		if isReady(pod) {
			s.ready++
			if isAvailable(pod, set.Spec.MinReadySeconds, now) {
				s.available++
			}
		}
		if isUpdated(pod, hash, generation) {
			s.updated++
		}
	}
	return s
}

// updateStatus writes the counts. observedGeneration is raised only when
// the sync acted on the spec (its expectations were satisfied), so
// `kubectl rollout status` does not finish on a stale view. A set with
// minReadySeconds whose ready pods are not all available yet is looked at
// again after minReadySeconds.
func (c *Controller) updateStatus(ctx context.Context, set *appsv1.DaemonSet, nodes []*corev1.Node, hash string, observed bool) error {
	byNode, err := c.nodeToDaemonPods(ctx, set, false)
	if err != nil {
		return err
	}
	s := c.countStatus(set, nodes, byNode, hash)
	if err := c.storeStatus(ctx, set, s, observed); err != nil {
		return err
	}
	if set.Spec.MinReadySeconds > 0 && s.ready != s.available {
		c.enqueueAfter(set, time.Duration(set.Spec.MinReadySeconds)*time.Second)
	}
	return nil
}

// storeStatus skips a write that changes nothing, and retries a failed one
// once on a freshly read set.
func (c *Controller) storeStatus(ctx context.Context, set *appsv1.DaemonSet, s statusCounts, observed bool) error {
	st := &set.Status
	if st.DesiredNumberScheduled == s.desired && st.CurrentNumberScheduled == s.current &&
		st.NumberMisscheduled == s.misscheduled && st.NumberReady == s.ready &&
		st.UpdatedNumberScheduled == s.updated && st.NumberAvailable == s.available &&
		st.NumberUnavailable == s.desired-s.available && st.ObservedGeneration >= set.Generation {
		return nil
	}
	sets := c.client.AppsV1().DaemonSets(set.Namespace)
	toUpdate := set.DeepCopy()
	for attempt := 0; ; attempt++ {
		if observed {
			toUpdate.Status.ObservedGeneration = set.Generation
		}
		toUpdate.Status.DesiredNumberScheduled = s.desired
		toUpdate.Status.CurrentNumberScheduled = s.current
		toUpdate.Status.NumberMisscheduled = s.misscheduled
		toUpdate.Status.NumberReady = s.ready
		toUpdate.Status.UpdatedNumberScheduled = s.updated
		toUpdate.Status.NumberAvailable = s.available
		toUpdate.Status.NumberUnavailable = s.desired - s.available
		_, err := sets.UpdateStatus(ctx, toUpdate, metav1.UpdateOptions{})
		if err == nil {
			return nil
		}
		if attempt > 0 {
			return fmt.Errorf("update status of DaemonSet %s/%s: %w", set.Namespace, set.Name, err)
		}
		if toUpdate, err = sets.Get(ctx, set.Name, metav1.GetOptions{}); err != nil {
			return fmt.Errorf("get DaemonSet %s/%s: %w", set.Namespace, set.Name, err)
		}
	}
}
