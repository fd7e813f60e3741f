package statefulset

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// truncateHistory deletes the oldest revisions beyond
// spec.revisionHistoryLimit, never one that is current, the update
// revision, or still the revision of a pod.
func (c *Controller) truncateHistory(ctx context.Context, set *appsv1.StatefulSet, pods []*corev1.Pod,
	revisions []*appsv1.ControllerRevision, current, update *appsv1.ControllerRevision) error {
	live := map[string]bool{current.Name: true, update.Name: true}
	for _, pod := range pods {
		live[podRevision(pod)] = true
	}
	var history []*appsv1.ControllerRevision
	for _, rev := range revisions {
		if !live[rev.Name] {
			history = append(history, rev)
		}
	}
	limit := 10
	if set.Spec.RevisionHistoryLimit != nil {
		limit = int(*set.Spec.RevisionHistoryLimit)
	}
	if len(history) <= limit {
		return nil
	}
	// revisions are sorted oldest first.
	for _, rev := range history[:len(history)-limit] {
		err := c.client.AppsV1().ControllerRevisions(rev.Namespace).Delete(ctx, rev.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete ControllerRevision %s: %w", rev.Name, err)
		}
	}
	return nil
}
