package kubelet

import (
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// conditions are the pod conditions the kubelet writes, in upstream's
// order; s is the status computed so far (phase, container statuses).
func (p *proc) conditions(pod *corev1.Pod, s *corev1.PodStatus) []corev1.PodCondition {
	initialized := cond(corev1.PodInitialized, true, "", "")
	if names := p.unfinishedInit(); len(names) > 0 {
		initialized = cond(corev1.PodInitialized, false, "ContainersNotInitialized", "containers with incomplete status: "+list(names))
	}
	containersReady := cond(corev1.ContainersReady, true, "", "")
	var unready []string
	for _, cs := range s.ContainerStatuses {
		if !cs.Ready {
			unready = append(unready, cs.Name)
		}
	}
	if len(unready) > 0 {
		containersReady = cond(corev1.ContainersReady, false, "ContainersNotReady", "containers with unready status: "+list(unready))
	}
	ready := containersReady
	ready.Type = corev1.PodReady
	if ready.Status == corev1.ConditionTrue {
		ready = readinessGates(pod, s, ready)
	}
	// A terminal pod is not ready, for a reason that says why (upstream's
	// status manager).
	if s.Phase == corev1.PodSucceeded || s.Phase == corev1.PodFailed {
		reason := "PodCompleted"
		if s.Phase == corev1.PodFailed {
			reason = "PodFailed"
		}
		containersReady = cond(corev1.ContainersReady, false, reason, "")
		ready = cond(corev1.PodReady, false, reason, "")
	}
	return []corev1.PodCondition{
		cond(corev1.PodReadyToStartContainers, true, "", ""),
		initialized, ready, containersReady,
		cond(corev1.PodScheduled, true, "", ""),
	}
}

func (p *proc) unfinishedInit() []string {
	var names []string
	for _, c := range p.conts {
		if c.init && (c.cur == nil || c.cur.running() || c.cur.code != 0 || !c.startAt.IsZero()) {
			names = append(names, c.name)
		}
	}
	return names
}

// readinessGates turns ready False when a readiness gate's condition is
// missing or not True.
func readinessGates(pod *corev1.Pod, s *corev1.PodStatus, ready corev1.PodCondition) corev1.PodCondition {
	for _, g := range pod.Spec.ReadinessGates {
		i := slices.IndexFunc(s.Conditions, func(c corev1.PodCondition) bool { return c.Type == g.ConditionType })
		switch {
		case i < 0:
			return cond(corev1.PodReady, false, "ReadinessGatesNotReady", fmt.Sprintf("corresponding condition of pod readiness gate %q does not exist.", g.ConditionType))
		case s.Conditions[i].Status != corev1.ConditionTrue:
			return cond(corev1.PodReady, false, "ReadinessGatesNotReady", fmt.Sprintf("the status of pod readiness gate %q is not \"True\", but %s", g.ConditionType, s.Conditions[i].Status))
		}
	}
	return ready
}

func cond(t corev1.PodConditionType, ok bool, reason, message string) corev1.PodCondition {
	status := corev1.ConditionFalse
	if ok {
		status = corev1.ConditionTrue
	}
	return corev1.PodCondition{Type: t, Status: status, Reason: reason, Message: message}
}

func list(names []string) string { return "[" + strings.Join(names, " ") + "]" }

// mergePodConditions sets want in cur: a condition whose status is
// unchanged keeps its lastTransitionTime (and PodScheduled, written by the
// scheduler, is left alone when present); others get now. Conditions of
// others (DisruptionTarget, readiness gates) are kept, in place.
func mergePodConditions(cur, want []corev1.PodCondition, now time.Time) []corev1.PodCondition {
	out := slices.Clone(cur)
	for _, w := range want {
		i := slices.IndexFunc(out, func(c corev1.PodCondition) bool { return c.Type == w.Type })
		switch {
		case i < 0:
			w.LastTransitionTime = stamp(now)
			out = append(out, w)
		case w.Type == corev1.PodScheduled:
		case out[i].Status == w.Status:
			out[i].Reason, out[i].Message = w.Reason, w.Message
		default:
			w.LastTransitionTime = stamp(now)
			out[i] = w
		}
	}
	return out
}
