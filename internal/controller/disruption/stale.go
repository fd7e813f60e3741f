package disruption

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

// staleDisruptionCondition reports whether pod carries a DisruptionTarget
// condition that no deletion followed, and how long until it is two minutes
// old (0 once it is). Conditions set by the kubelet (it may take
// arbitrarily long to terminate the pod) and those on terminal pods (no
// point in a status write) are never stale.
func (c *Controller) staleDisruptionCondition(pod *corev1.Pod) (bool, time.Duration) {
	if pod.DeletionTimestamp != nil || isTerminal(pod.Status.Phase) {
		return false, 0
	}
	cond := podCondition(pod, corev1.DisruptionTarget)
	if cond == nil || cond.Status != corev1.ConditionTrue || cond.Reason == corev1.PodReasonTerminationByKubelet {
		return false, 0
	}
	return true, max(stalePodDisruptionTimeout-c.clock.Since(cond.LastTransitionTime.Time), 0)
}

// syncStalePod flips a stale DisruptionTarget condition to False (reason
// and message cleared, lastTransitionTime now), or schedules itself again
// if the condition is not yet two minutes old.
func (c *Controller) syncStalePod(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return err
	}
	pod, err := c.pods.Pods(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	stale, wait := c.staleDisruptionCondition(pod)
	if !stale {
		return nil
	}
	if wait > 0 {
		c.enqueueStalePod(pod, wait)
		return nil
	}
	next := pod.DeepCopy()
	cond := podCondition(next, corev1.DisruptionTarget)
	// The whole condition is replaced, as upstream's UpdatePodCondition does.
	*cond = corev1.PodCondition{
		Type:               corev1.DisruptionTarget,
		Status:             corev1.ConditionFalse,
		LastTransitionTime: metav1.NewTime(c.clock.Now()),
	}
	// The cached resourceVersion makes this write lose to any newer one; the
	// Conflict requeues the key and the retry reads the newer pod.
	_, err = c.client.CoreV1().Pods(namespace).UpdateStatus(ctx, next, metav1.UpdateOptions{})
	return err
}

// podCondition returns a pointer into pod's conditions, or nil.
func podCondition(pod *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == t {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

func isTerminal(phase corev1.PodPhase) bool {
	return phase == corev1.PodSucceeded || phase == corev1.PodFailed
}
