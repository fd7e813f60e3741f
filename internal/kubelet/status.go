package kubelet

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// status is pod's status as the kubelet reports it now: the fields the
// kubelet owns are replaced, the rest (conditions of others, nominated
// node, qosClass…) kept. Caller holds p.mu.
func (p *proc) status(pod *corev1.Pod, now time.Time) *corev1.PodStatus {
	s := pod.Status.DeepCopy()
	s.Phase = p.phase()
	s.HostIP, s.HostIPs = p.node.ip, []corev1.HostIP{{IP: p.node.ip}}
	if p.ip != "" {
		s.PodIP, s.PodIPs = p.ip, []corev1.PodIP{{IP: p.ip}}
	}
	if s.StartTime == nil {
		s.StartTime = ptr.To(stamp(p.seen))
	}
	s.InitContainerStatuses, s.ContainerStatuses = nil, nil
	for _, c := range p.conts {
		cs := p.containerStatus(c)
		if c.init {
			s.InitContainerStatuses = append(s.InitContainerStatuses, cs)
		} else {
			s.ContainerStatuses = append(s.ContainerStatuses, cs)
		}
	}
	s.Conditions = mergePodConditions(s.Conditions, p.conditions(pod, s), now)
	return s
}

// phase follows upstream's getPhase, with restartPolicy ignored once the
// pod is being killed, and never terminal while a container runs.
func (p *proc) phase() corev1.PodPhase {
	if p.term != nil && p.allStopped() {
		for _, c := range p.conts {
			if !c.init && (c.cur == nil || c.cur.code != 0) {
				return corev1.PodFailed
			}
		}
		return corev1.PodSucceeded
	}
	switch {
	case p.failed:
		return corev1.PodFailed
	case !p.initDone():
		return corev1.PodPending
	}
	ran, done, failed := false, true, false
	for _, c := range p.conts {
		if c.init {
			continue
		}
		ran = ran || c.cur != nil
		done = done && c.cur != nil && !c.cur.running() && c.startAt.IsZero()
		failed = failed || (c.cur != nil && c.cur.code != 0)
	}
	switch {
	case done && failed:
		return corev1.PodFailed
	case done:
		return corev1.PodSucceeded
	case ran:
		return corev1.PodRunning
	}
	return corev1.PodPending
}

func (p *proc) initDone() bool {
	for _, c := range p.conts {
		if c.init && (c.cur == nil || c.cur.running() || c.cur.code != 0 || !c.startAt.IsZero()) {
			return false
		}
	}
	return true
}

// containerStatus is c's status, as the runtime and kubelet report it.
func (p *proc) containerStatus(c *container) corev1.ContainerStatus {
	s := corev1.ContainerStatus{
		Name: c.name, Image: normalizeImage(c.image), ImageID: imageID(c.image),
		RestartCount: c.restarts, Started: ptr.To(false),
	}
	if c.cur != nil {
		s.ContainerID = "containerd://" + c.cur.id
	}
	switch {
	case c.cur == nil && p.term != nil:
		// upstream's TerminatePod for containers that never ran
		s.State.Terminated = &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "ContainerStatusUnknown",
			Message: "The container could not be located when the pod was terminated"}
	case c.cur == nil:
		s.State.Waiting = &corev1.ContainerStateWaiting{Reason: p.waitingReason(c)}
	case c.cur.running():
		s.State.Running = &corev1.ContainerStateRunning{StartedAt: stamp(c.cur.started)}
		s.Started = ptr.To(true)
		s.Ready = c.cur.ready && p.term == nil
		s.LastTerminationState = terminated(c.prev)
	case !c.startAt.IsZero():
		s.State.Waiting = p.backOff(c)
		s.LastTerminationState = terminated(c.cur)
	default:
		s.State = terminated(c.cur)
		s.LastTerminationState = terminated(c.prev)
		s.Ready = c.init && c.cur.code == 0
	}
	return s
}

func (p *proc) waitingReason(c *container) string {
	if c.init || !p.initDone() {
		return "PodInitializing"
	}
	return "ContainerCreating"
}

// backOff is the waiting state of a container waiting to restart.
func (p *proc) backOff(c *container) *corev1.ContainerStateWaiting {
	delay := c.startAt.Sub(c.cur.finished)
	if c.cur.startError {
		return &corev1.ContainerStateWaiting{Reason: "RunContainerError", Message: c.cur.message}
	}
	return &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
		Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", delay, c.name, p.name, p.namespace(), p.uid)}
}

func (p *proc) namespace() string { ns, _, _ := strings.Cut(p.key, "/"); return ns }

func terminated(i *instance) corev1.ContainerState {
	if i == nil || i.running() {
		return corev1.ContainerState{}
	}
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode: i.code, Reason: i.reason, Message: i.message,
		StartedAt: stamp(i.started), FinishedAt: stamp(i.finished), ContainerID: "containerd://" + i.id,
	}}
}

// normalizeImage is the image reference as containerd reports it:
// docker.io/library/ prefixed where implied, :latest added when untagged.
func normalizeImage(image string) string {
	name, digest, _ := strings.Cut(image, "@")
	first, _, hasSlash := strings.Cut(name, "/")
	switch {
	case !hasSlash:
		name = "docker.io/library/" + name
	case !strings.ContainsAny(first, ".:") && first != "localhost":
		name = "docker.io/" + name
	}
	if digest != "" {
		return name + "@" + digest
	}
	if i := strings.LastIndex(name, ":"); i < strings.LastIndex(name, "/") {
		name += ":latest"
	}
	return name
}

// imageID is a stable digest reference for image.
func imageID(image string) string {
	ref := normalizeImage(image)
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	ref, _, _ = strings.Cut(ref, "@")
	return fmt.Sprintf("%s@sha256:%x", ref, sha256.Sum256([]byte(image)))
}
