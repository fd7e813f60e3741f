package statefulset

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// createStatefulPod creates the ordinal's pod. AlreadyExists (a cache that has not
// seen the pod yet) is returned without an event, as upstream, so the set
// is retried with backoff.
func (c *Controller) createStatefulPod(ctx context.Context, set *appsv1.StatefulSet, pod *corev1.Pod) error {
	_, err := c.client.CoreV1().Pods(set.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create pod %s: %w", pod.Name, err)
	}
	c.recordPodEvent("create", set, pod, err)
	if err != nil {
		return fmt.Errorf("create pod %s: %w", pod.Name, err)
	}
	return nil
}

// updateStatefulPod restores the pod's identity (name labels) and volumes. Upstream
// retries a conflict in place after re-reading the pod; here the set is
// requeued instead, which ends the same way without sleeping off the clock.
func (c *Controller) updateStatefulPod(ctx context.Context, set *appsv1.StatefulSet, pod *corev1.Pod) error {
	if !identityMatches(set, pod) {
		updateIdentity(set, pod)
	}
	if !storageMatches(set, pod) {
		updateStorage(set, pod)
	}
	_, err := c.client.CoreV1().Pods(set.Namespace).Update(ctx, pod, metav1.UpdateOptions{})
	c.recordPodEvent("update", set, pod, err)
	if err != nil {
		return fmt.Errorf("update pod %s: %w", pod.Name, err)
	}
	return nil
}

// deleteStatefulPod deletes a pod with its default grace period.
func (c *Controller) deleteStatefulPod(ctx context.Context, set *appsv1.StatefulSet, pod *corev1.Pod) error {
	err := c.client.CoreV1().Pods(set.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{})
	c.recordPodEvent("delete", set, pod, err)
	if err != nil {
		return fmt.Errorf("delete pod %s: %w", pod.Name, err)
	}
	return nil
}

// recordPodEvent records upstream's events on the set:
// SuccessfulCreate "create Pod web-0 in StatefulSet web successful",
// FailedDelete "delete Pod web-0 in StatefulSet web failed error: …".
func (c *Controller) recordPodEvent(verb string, set *appsv1.StatefulSet, pod *corev1.Pod, err error) {
	title := map[string]string{"create": "Create", "update": "Update", "delete": "Delete"}[verb]
	if err == nil {
		c.recorder.Eventf(set, corev1.EventTypeNormal, "Successful"+title,
			"%s Pod %s in StatefulSet %s successful", verb, pod.Name, set.Name)
		return
	}
	c.recorder.Eventf(set, corev1.EventTypeWarning, "Failed"+title,
		"%s Pod %s in StatefulSet %s failed error: %s", verb, pod.Name, set.Name, err)
}
