package kubelet

import (
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// resume takes over the processes a previous kubelet left running, as a
// restarted kubelet finds its containers still running in the container
// runtime: a pod that already has container statuses (written by an
// earlier evictd process before a restart or a leader fail-over) keeps its
// running containers, their start times, readiness and restart counts,
// instead of starting them all again. What comes next is planned from
// there: the first init container not yet completed, or the regular
// containers that are not running (a terminated one through the usual
// restart back-off). Caller holds p.mu; pod is not terminal.
func (p *proc) resume(pod *corev1.Pod, now time.Time) {
	statuses := map[string]*corev1.ContainerStatus{}
	for _, list := range [][]corev1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses} {
		for i := range list {
			statuses[list[i].Name] = &list[i]
		}
	}
	if len(statuses) == 0 {
		return // never run: the fresh plan stands
	}
	if st := pod.Status.StartTime; st != nil && !st.IsZero() {
		p.seen = st.Time
	}
	for _, c := range p.conts {
		c.startAt = time.Time{}
		if cs := statuses[c.name]; cs != nil {
			c.adopt(p, cs, now)
		}
	}
	for i, c := range p.conts {
		switch {
		case c.init && c.cur == nil:
			c.startAt = now // the next init container to run
			return
		case c.init && c.cur.running():
			return // still initialising
		case c.init && c.cur.code != 0:
			p.afterExit(i, c.cur.finished) // retried or failed, as any failed init container
			return
		case c.init:
			continue // completed
		case c.cur == nil:
			c.startAt = now
		case !c.cur.running():
			p.afterExit(i, c.cur.finished)
		}
	}
}

// adopt sets c's current instance from its reported status: running since
// its start, or terminated with its exit code. A container still waiting
// keeps no instance, so it is started again.
func (c *container) adopt(p *proc, cs *corev1.ContainerStatus, now time.Time) {
	c.restarts = cs.RestartCount
	id := strings.TrimPrefix(cs.ContainerID, "containerd://")
	if id == "" {
		id = containerID(p.uid, c.name, c.restarts)
	}
	switch {
	case cs.State.Running != nil:
		started := cs.State.Running.StartedAt.Time
		if started.IsZero() || started.After(now) {
			started = now
		}
		c.cur = &instance{id: id, started: started, ready: cs.Ready}
		c.cur.log(started, "started")
		if !c.b.neverReady {
			c.cur.readyAt = started.Add(c.b.readyAfter)
		}
		c.cur.exitAt, c.cur.exitCode = plannedExit(c.b, started)
	case cs.State.Terminated != nil:
		t := cs.State.Terminated
		c.cur = &instance{id: id, started: t.StartedAt.Time, finished: t.FinishedAt.Time,
			code: t.ExitCode, reason: t.Reason, message: t.Message}
		if c.cur.finished.IsZero() || c.cur.finished.After(now) {
			c.cur.finished = now
		}
	}
}
