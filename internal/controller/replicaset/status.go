package replicaset

import (
	"context"
	"fmt"
	"reflect"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"
)

// calculateStatus counts active (the claimed active pods) and terminating
// (owned pods being deleted; nil when the field is disabled) into a copy of
// rs's status, and sets or clears ReplicaFailure from manageErr.
func (c *Controller) calculateStatus(rs *appsv1.ReplicaSet, active, terminating []*corev1.Pod, manageErr error) appsv1.ReplicaSetStatus {
	status := *rs.Status.DeepCopy()
	template := labels.SelectorFromSet(rs.Spec.Template.Labels)
	now := c.clock.Now()
	var fully, ready, available int32
	for _, p := range active {
		if template.Matches(labels.Set(p.Labels)) {
			fully++
		}
		if isReady(p) {
			ready++
			if isAvailable(p, rs.Spec.MinReadySeconds, now) {
				available++
			}
		}
	}
	status.Replicas = int32(len(active))
	status.FullyLabeledReplicas, status.ReadyReplicas, status.AvailableReplicas = fully, ready, available
	status.TerminatingReplicas = nil
	if c.terminating {
		status.TerminatingReplicas = ptr.To(int32(len(terminating)))
	}
	c.setFailure(&status, rs, len(active), manageErr)
	return status
}

// setFailure adds ReplicaFailure=True (reason FailedCreate or FailedDelete
// after the direction of the diff) when manageErr is set and there is no
// such condition yet, and removes it after an error-free sync. An existing
// condition is kept as it is, message included, as upstream.
func (c *Controller) setFailure(status *appsv1.ReplicaSetStatus, rs *appsv1.ReplicaSet, active int, manageErr error) {
	i := failureIndex(status)
	switch {
	case manageErr != nil && i < 0:
		reason := ""
		if diff := active - int(replicas(rs)); diff < 0 {
			reason = reasonFailedCreate
		} else if diff > 0 {
			reason = reasonFailedDelete
		}
		status.Conditions = append(status.Conditions, appsv1.ReplicaSetCondition{
			Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(c.clock.Now()), Reason: reason, Message: manageErr.Error(),
		})
	case manageErr == nil && i >= 0:
		status.Conditions = append(status.Conditions[:i:i], status.Conditions[i+1:]...)
	}
}

func failureIndex(status *appsv1.ReplicaSetStatus) int {
	for i, c := range status.Conditions {
		if c.Type == appsv1.ReplicaSetReplicaFailure {
			return i
		}
	}
	return -1
}

// updateStatus writes status unless nothing changed and the generation was
// already observed. A failed write is retried once on a fresh GET.
func (c *Controller) updateStatus(ctx context.Context, rs *appsv1.ReplicaSet, status appsv1.ReplicaSetStatus) (*appsv1.ReplicaSet, error) {
	if rs.Generation == rs.Status.ObservedGeneration && sameCounts(rs.Status, status) &&
		reflect.DeepEqual(rs.Status.Conditions, status.Conditions) {
		return rs, nil
	}
	status.ObservedGeneration = rs.Generation
	for i := 0; ; i++ {
		rs.Status = status
		updated, err := c.kind.updateStatus(ctx, rs)
		if err == nil {
			return updated, nil
		}
		if i >= statusUpdateRetries {
			return nil, fmt.Errorf("update status of %s/%s: %w", rs.Namespace, rs.Name, err)
		}
		if rs, err = c.kind.getLive(ctx, rs.Namespace, rs.Name); err != nil {
			return nil, fmt.Errorf("get %s for a status retry: %w", rs.Name, err)
		}
	}
}

func sameCounts(a, b appsv1.ReplicaSetStatus) bool {
	return a.Replicas == b.Replicas && a.FullyLabeledReplicas == b.FullyLabeledReplicas &&
		a.ReadyReplicas == b.ReadyReplicas && a.AvailableReplicas == b.AvailableReplicas &&
		ptr.Equal(a.TerminatingReplicas, b.TerminatingReplicas)
}

// readyCondition is pod's Ready condition, if any.
func readyCondition(p *corev1.Pod) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodReady {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// isReady: the Ready condition is True (nothing else is consulted).
func isReady(p *corev1.Pod) bool {
	c := readyCondition(p)
	return c != nil && c.Status == corev1.ConditionTrue
}

// isAvailable: Ready, and Ready for more than minReadySeconds by now.
func isAvailable(p *corev1.Pod, minReadySeconds int32, now time.Time) bool {
	if !isReady(p) {
		return false
	}
	if minReadySeconds == 0 {
		return true
	}
	since := readyCondition(p).LastTransitionTime
	return !since.IsZero() && since.Add(time.Duration(minReadySeconds)*time.Second).Before(now)
}
