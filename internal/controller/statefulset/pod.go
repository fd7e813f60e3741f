package statefulset

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// The pod predicates of upstream's stateful_set_utils.go.

// isCreated: the API server has stored the pod (it sets phase Pending on
// create); the placeholders for missing ordinals have no phase.
func isCreated(pod *corev1.Pod) bool { return pod.Status.Phase != "" }

func isPending(pod *corev1.Pod) bool { return pod.Status.Phase == corev1.PodPending }

func isFailed(pod *corev1.Pod) bool { return pod.Status.Phase == corev1.PodFailed }

func isSucceeded(pod *corev1.Pod) bool { return pod.Status.Phase == corev1.PodSucceeded }

func isTerminating(pod *corev1.Pod) bool { return pod.DeletionTimestamp != nil }

// readyCondition returns the pod's Ready condition, nil if it has none.
func readyCondition(pod *corev1.Pod) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == corev1.PodReady {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

func isReady(pod *corev1.Pod) bool {
	c := readyCondition(pod)
	return c != nil && c.Status == corev1.ConditionTrue
}

// isAvailable is podutil.IsPodAvailable: Ready, and Ready for more than
// minReadySeconds by the Ready condition's lastTransitionTime.
func isAvailable(pod *corev1.Pod, minReadySeconds int32, now time.Time) bool {
	if !isReady(pod) {
		return false
	}
	if minReadySeconds == 0 {
		return true
	}
	c := readyCondition(pod)
	return !c.LastTransitionTime.IsZero() && c.LastTransitionTime.Add(time.Duration(minReadySeconds)*time.Second).Before(now)
}

func isRunningAndReady(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodRunning && isReady(pod)
}

func isRunningAndAvailable(pod *corev1.Pod, minReadySeconds int32, now time.Time) bool {
	return pod.Status.Phase == corev1.PodRunning && isAvailable(pod, minReadySeconds, now)
}

// isHealthy: running, ready and not being deleted.
func isHealthy(pod *corev1.Pod) bool { return isRunningAndReady(pod) && !isTerminating(pod) }

// podRevision is the name of the ControllerRevision the pod was made from.
// A StatefulSet pod's controller-revision-hash label holds the revision's
// full name (<set>-<hash>), unlike a DaemonSet pod's.
func podRevision(pod *corev1.Pod) string {
	return pod.Labels[appsv1.StatefulSetRevisionLabel]
}

func setPodRevision(pod *corev1.Pod, revision string) {
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Labels[appsv1.StatefulSetRevisionLabel] = revision
}
