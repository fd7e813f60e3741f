package pod

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// CheckGracefulDelete computes a pod's grace period and writes it into
// options (eviction-api.md §3.1, upstream's podStrategy.CheckGracefulDelete):
// the requested period, else the pod's terminationGracePeriodSeconds, else
// 0; 0 for a pod never scheduled or already terminal; 1 for a negative
// period. Every pod deletion is graceful, even with period 0: the store
// then marks the pod deleted and removes it at once.
//
// Nil options cannot carry a period back; they are treated as grace 0 by
// reporting the delete as not graceful, which also removes the pod at once
// (upstream returns false for them too).
func (strategy) CheckGracefulDelete(_ context.Context, obj runtime.Object, options *metav1.DeleteOptions) bool {
	if options == nil {
		return false
	}
	pod := obj.(*corev1.Pod)
	var period int64
	switch {
	case options.GracePeriodSeconds != nil:
		period = *options.GracePeriodSeconds
	case pod.Spec.TerminationGracePeriodSeconds != nil:
		period = *pod.Spec.TerminationGracePeriodSeconds
	}
	if pod.Spec.NodeName == "" {
		period = 0
	}
	if pod.Status.Phase == corev1.PodFailed || pod.Status.Phase == corev1.PodSucceeded {
		period = 0
	}
	if period < 0 {
		period = 1
	}
	options.GracePeriodSeconds = &period
	return true
}
