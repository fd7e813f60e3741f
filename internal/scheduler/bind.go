package scheduler

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// schedulerErrorReason is the PodScheduled reason upstream gives a pod
// whose binding failed.
const schedulerErrorReason = "SchedulerError"

// bind posts the pod's Binding. On failure the assumed pod is forgotten
// (its node's capacity is free again) and retried after its backoff.
func (s *Scheduler) bind(ctx context.Context, pod *corev1.Pod, node string) {
	binding := &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: node},
	}
	err := s.client.CoreV1().Pods(pod.Namespace).Bind(ctx, binding, metav1.CreateOptions{})
	if err == nil {
		s.queue.done(pod.UID)
		s.recorder.Eventf(pod, corev1.EventTypeNormal, "Scheduled", "Successfully assigned %v/%v to %v", pod.Namespace, pod.Name, node)
		return
	}
	if s.cache.forget(pod.UID) {
		s.queue.move(pluginsFreed)
	}
	if ctx.Err() != nil || apierrors.IsNotFound(err) {
		s.queue.remove(pod.UID)
		return
	}
	s.log.Info("binding rejected, will retry", "pod", pod.Namespace+"/"+pod.Name, "node", node, "err", err)
	s.queue.failed(pod.UID, 0)
	s.reportUnschedulable(ctx, pod, schedulerErrorReason, fmt.Sprintf("binding rejected: %v", err))
}

// reportUnschedulable records a FailedScheduling event and sets the
// pod's PodScheduled condition to False with reason and msg, skipping
// the write when the condition already says so (as upstream, so a pod
// retried without news costs no write).
func (s *Scheduler) reportUnschedulable(ctx context.Context, pod *corev1.Pod, reason, msg string) {
	s.recorder.Event(pod, corev1.EventTypeWarning, failedSchedulingNote, msg)
	cond := corev1.PodCondition{
		Type:               corev1.PodScheduled,
		Status:             corev1.ConditionFalse,
		Reason:             reason,
		Message:            msg,
		ObservedGeneration: pod.Generation,
		LastTransitionTime: metav1.NewTime(s.clock.Now()),
	}
	for _, old := range pod.Status.Conditions {
		if old.Type != corev1.PodScheduled || old.Status != corev1.ConditionFalse {
			continue
		}
		if old.Reason == reason && old.Message == msg {
			return
		}
		cond.LastTransitionTime = old.LastTransitionTime
	}
	if err := s.patchCondition(ctx, pod, cond); err != nil && ctx.Err() == nil && !apierrors.IsNotFound(err) {
		s.log.Error("writing PodScheduled condition", "pod", pod.Namespace+"/"+pod.Name, "err", err)
	}
}

// patchCondition merges cond into the pod's status.conditions (a
// strategic merge patch keyed by type, as upstream's PatchPodStatus),
// guarded by the pod's UID so a same-named successor is left alone.
func (s *Scheduler) patchCondition(ctx context.Context, pod *corev1.Pod, cond corev1.PodCondition) error {
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"uid": pod.UID},
		"status":   map[string]any{"conditions": []corev1.PodCondition{cond}},
	})
	if err != nil {
		return fmt.Errorf("encoding status patch: %w", err)
	}
	_, err = s.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
	if err != nil {
		return fmt.Errorf("patching status of pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return nil
}
