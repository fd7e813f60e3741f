package pod

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// summary is what `kubectl get pods` shows of a pod's containers: the
// READY and RESTARTS columns and the STATUS word, computed as upstream's
// printPod does.
type summary struct {
	ready, total int
	reason       string
	restarts     int
	lastRestart  metav1.Time
}

// summarize walks the init containers (the first that has not finished
// names the status, "Init:1/3", "Init:CrashLoopBackOff") and, once they are
// done, the regular containers from last to first, so that the first
// container's waiting or terminated reason wins.
func summarize(pod *corev1.Pod) summary {
	s := summary{total: len(pod.Spec.Containers), reason: string(pod.Status.Phase)}
	if pod.Status.Reason != "" {
		s.reason = pod.Status.Reason
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonSchedulingGated {
			s.reason = corev1.PodReasonSchedulingGated
		}
	}
	inits := map[string]*corev1.Container{}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		inits[c.Name] = c
		if isRestartableInit(c) {
			s.total++ // sidecars count as containers of the pod
		}
	}
	sidecarRestarts, sidecarLastRestart, initializing := s.summarizeInits(pod, inits)
	if !initializing || conditionTrue(pod, corev1.PodInitialized) {
		// Restarts of finished init containers no longer count.
		s.restarts, s.lastRestart = sidecarRestarts, sidecarLastRestart
		s.summarizeContainers(pod)
	}
	switch {
	case pod.DeletionTimestamp != nil && pod.Status.Reason == nodeLostReason:
		s.reason = "Unknown"
	case pod.DeletionTimestamp != nil && pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed:
		s.reason = "Terminating"
	}
	return s
}

// summarizeInits counts init container restarts and ready sidecars, sets
// the reason from the first unfinished init container, and reports the
// sidecars' restarts and whether initialization is still under way.
func (s *summary) summarizeInits(pod *corev1.Pod, inits map[string]*corev1.Container) (int, metav1.Time, bool) {
	sidecarRestarts, sidecarLast := 0, metav1.Time{}
	for i, c := range pod.Status.InitContainerStatuses {
		sidecar := isRestartableInit(inits[c.Name])
		s.restarts += int(c.RestartCount)
		latest(&s.lastRestart, c.LastTerminationState.Terminated)
		if sidecar {
			sidecarRestarts += int(c.RestartCount)
			latest(&sidecarLast, c.LastTerminationState.Terminated)
		}
		term, wait := c.State.Terminated, c.State.Waiting
		switch {
		case term != nil && term.ExitCode == 0:
			continue
		case sidecar && c.Started != nil && *c.Started:
			if c.Ready {
				s.ready++
			}
			continue
		case term != nil && term.Reason != "":
			s.reason = "Init:" + term.Reason
		case term != nil && term.Signal != 0:
			s.reason = fmt.Sprintf("Init:Signal:%d", term.Signal)
		case term != nil:
			s.reason = fmt.Sprintf("Init:ExitCode:%d", term.ExitCode)
		case wait != nil && wait.Reason != "" && wait.Reason != "PodInitializing":
			s.reason = "Init:" + wait.Reason
		default:
			s.reason = fmt.Sprintf("Init:%d/%d", i, len(pod.Spec.InitContainers))
		}
		return sidecarRestarts, sidecarLast, true
	}
	return sidecarRestarts, sidecarLast, false
}

// summarizeContainers counts restarts and ready running containers and
// takes the reason from container states, first container last.
func (s *summary) summarizeContainers(pod *corev1.Pod) {
	running := false
	for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
		c := pod.Status.ContainerStatuses[i]
		s.restarts += int(c.RestartCount)
		latest(&s.lastRestart, c.LastTerminationState.Terminated)
		term, wait := c.State.Terminated, c.State.Waiting
		switch {
		case wait != nil && wait.Reason != "":
			s.reason = wait.Reason
		case term != nil && term.Reason != "":
			s.reason = term.Reason
		case term != nil && term.Signal != 0:
			s.reason = fmt.Sprintf("Signal:%d", term.Signal)
		case term != nil:
			s.reason = fmt.Sprintf("ExitCode:%d", term.ExitCode)
		case c.Ready && c.State.Running != nil:
			running = true
			s.ready++
		}
	}
	// A pod whose first container completed while another still runs is
	// shown by its readiness rather than as Completed.
	if s.reason == "Completed" && running {
		s.reason = "NotReady"
		for _, c := range pod.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				s.reason = "Running"
			}
		}
	}
}

// latest moves t forward to the finish time of a previous termination.
func latest(t *metav1.Time, term *corev1.ContainerStateTerminated) {
	if term != nil && t.Before(&term.FinishedAt) {
		*t = term.FinishedAt
	}
}

// conditionTrue reports whether the pod's first condition of type t is
// True (upstream looks at the first match only for Initialized).
func conditionTrue(pod *corev1.Pod, t corev1.PodConditionType) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
