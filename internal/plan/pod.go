package plan

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The simulated kubelet's annotations (docs/kubelet.md) the estimate and
// the readiness forecast read.
const (
	annotationReadyAfter    = "sim.evictd.io/ready-after"
	annotationNeverReady    = "sim.evictd.io/never-ready"
	annotationFailStart     = "sim.evictd.io/fail-start"
	annotationShutdownAfter = "sim.evictd.io/shutdown-after"
	annotationIgnoreSIGTERM = "sim.evictd.io/ignore-sigterm"
	annotationPreStopAfter  = "sim.evictd.io/prestop-after"
	// initContainerSeconds is how long a simulated init container runs.
	initContainerSeconds = 1
	// minKillSeconds is the kubelet's least window between SIGTERM and
	// SIGKILL.
	minKillSeconds = 2
	// defaultGraceSeconds is terminationGracePeriodSeconds' default.
	defaultGraceSeconds = 30
	// drainPollSeconds is kubectl drain's interval polling for deletion.
	drainPollSeconds = 1
)

// podKind is how a drain treats a pod.
type podKind int

const (
	kindEvicted   podKind = iota // evicted, replaced by its controller
	kindDaemon                   // DaemonSet pod: left alone (--ignore-daemonsets)
	kindMirror                   // static pod: drain cannot remove it
	kindBypass                   // Pending, terminal or deleting: evicted without a budget
	kindUnmanaged                // no controller: evicted only with --force, never replaced
)

func classify(pod *corev1.Pod) podKind {
	if _, ok := pod.Annotations[corev1.MirrorPodAnnotationKey]; ok {
		return kindMirror
	}
	ref := metav1.GetControllerOf(pod)
	switch {
	case ref != nil && ref.Kind == "DaemonSet":
		return kindDaemon
	case pod.DeletionTimestamp != nil, pod.Status.Phase == corev1.PodSucceeded, pod.Status.Phase == corev1.PodFailed:
		return kindBypass
	case ref == nil:
		return kindUnmanaged
	case pod.Status.Phase == corev1.PodPending:
		return kindBypass
	}
	return kindEvicted
}

// willBeReady forecasts whether the pod (or a replacement from the same
// template) becomes Ready.
func willBeReady(pod *corev1.Pod) bool {
	if pod.Annotations[annotationNeverReady] == "true" || pod.Annotations[annotationFailStart] == "true" {
		return false
	}
	for _, cs := range pod.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil && w.Reason == "CrashLoopBackOff" {
			return false
		}
	}
	return true
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func hasEmptyDir(pod *corev1.Pod) bool {
	for _, v := range pod.Spec.Volumes {
		if v.EmptyDir != nil {
			return true
		}
	}
	return false
}

func annotationSeconds(pod *corev1.Pod, key string) (float64, bool) {
	d, err := time.ParseDuration(pod.Annotations[key])
	if err != nil {
		return 0, false
	}
	return d.Seconds(), true
}

func graceSeconds(pod *corev1.Pod) float64 {
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil {
		return float64(*g)
	}
	return defaultGraceSeconds
}

// terminationSeconds is how long the pod takes to stop once evicted, as
// evictd's kubelet plays it (preStop, then SIGTERM: exit at once, after
// shutdown-after, or at the kill), and at worst its whole grace period.
func terminationSeconds(pod *corev1.Pod) (expected, worst float64) {
	grace := graceSeconds(pod)
	preStop, _ := annotationSeconds(pod, annotationPreStopAfter)
	for _, c := range pod.Spec.Containers {
		if h := c.Lifecycle; h != nil && h.PreStop != nil && h.PreStop.Sleep != nil && preStop == 0 {
			preStop = float64(h.PreStop.Sleep.Seconds)
		}
	}
	preStop = min(preStop, grace)
	kill := max(grace-float64(int(preStop)), minKillSeconds)
	expected = preStop
	if pod.Annotations[annotationIgnoreSIGTERM] == "true" {
		expected += kill
	} else if s, ok := annotationSeconds(pod, annotationShutdownAfter); ok {
		expected += min(s, kill)
	}
	return expected, max(grace, expected)
}

// readySeconds is how long a new pod from this pod's template takes from
// creation to Ready: init containers, then the readiness delay (the
// ready-after annotation, else readinessProbe.initialDelaySeconds).
func readySeconds(pod *corev1.Pod) float64 {
	s := float64(len(pod.Spec.InitContainers) * initContainerSeconds)
	if d, ok := annotationSeconds(pod, annotationReadyAfter); ok {
		return s + d
	}
	var delay int32
	for _, c := range pod.Spec.Containers {
		if p := c.ReadinessProbe; p != nil {
			delay = max(delay, p.InitialDelaySeconds)
		}
	}
	return s + float64(delay)
}

// replacedAfterDeletion: a StatefulSet recreates a pod of the same name
// only once the old one is gone; other controllers replace a pod as soon
// as it is terminating.
func replacedAfterDeletion(pod *corev1.Pod) bool {
	ref := metav1.GetControllerOf(pod)
	return ref != nil && ref.Kind == "StatefulSet"
}
