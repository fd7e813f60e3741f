package statefulset

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// count fills the replica counts of status from the replicas and
// condemned pods. replicas counts every created pod, terminating ones
// included; current and updated count only pods not being deleted.
func (r *round) count(status *appsv1.StatefulSetStatus, lists ...[]*corev1.Pod) {
	status.Replicas, status.ReadyReplicas, status.AvailableReplicas = 0, 0, 0
	status.CurrentReplicas, status.UpdatedReplicas = 0, 0
	for _, pods := range lists {
		for _, pod := range pods {
			if !isCreated(pod) {
				continue
			}
			status.Replicas++
			if isRunningAndReady(pod) {
				status.ReadyReplicas++
				if isRunningAndAvailable(pod, r.set.Spec.MinReadySeconds, r.now) {
					status.AvailableReplicas++
				}
			}
			if isTerminating(pod) {
				continue
			}
			if podRevision(pod) == r.current.Name {
				status.CurrentReplicas++
			}
			if podRevision(pod) == r.update.Name {
				status.UpdatedReplicas++
			}
		}
	}
}

// completeRollingUpdate makes the update revision current once every
// replica is updated and ready, as upstream: that is what ends
// `kubectl rollout status`.
func completeRollingUpdate(set *appsv1.StatefulSet, status *appsv1.StatefulSetStatus) {
	if set.Spec.UpdateStrategy.Type == appsv1.RollingUpdateStatefulSetStrategyType &&
		status.UpdatedReplicas == status.Replicas && status.ReadyReplicas == status.Replicas {
		status.CurrentReplicas = status.UpdatedReplicas
		status.CurrentRevision = status.UpdateRevision
	}
}

// statusChanged compares the fields the controller owns.
func statusChanged(old, cur *appsv1.StatefulSetStatus) bool {
	return old.ObservedGeneration != cur.ObservedGeneration ||
		old.Replicas != cur.Replicas ||
		old.CurrentReplicas != cur.CurrentReplicas ||
		old.ReadyReplicas != cur.ReadyReplicas ||
		old.UpdatedReplicas != cur.UpdatedReplicas ||
		old.AvailableReplicas != cur.AvailableReplicas ||
		old.CurrentRevision != cur.CurrentRevision ||
		old.UpdateRevision != cur.UpdateRevision ||
		derefInt32(old.CollisionCount) != derefInt32(cur.CollisionCount)
}

func derefInt32(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

// writeStatus writes status (completed if the rollout is) when it differs
// from the set's. A conflict is retried once on a freshly read set.
func (c *Controller) writeStatus(ctx context.Context, set *appsv1.StatefulSet, status *appsv1.StatefulSetStatus) error {
	completeRollingUpdate(set, status)
	if !statusChanged(&set.Status, status) {
		return nil
	}
	sets := c.client.AppsV1().StatefulSets(set.Namespace)
	toUpdate := set.DeepCopy()
	for attempt := 0; ; attempt++ {
		toUpdate.Status = *status
		_, err := sets.UpdateStatus(ctx, toUpdate, metav1.UpdateOptions{})
		if err == nil {
			return nil
		}
		if !apierrors.IsConflict(err) || attempt > 0 {
			return fmt.Errorf("update status of StatefulSet %s/%s: %w", set.Namespace, set.Name, err)
		}
		if toUpdate, err = sets.Get(ctx, set.Name, metav1.GetOptions{}); err != nil {
			return fmt.Errorf("get StatefulSet %s/%s: %w", set.Namespace, set.Name, err)
		}
	}
}
