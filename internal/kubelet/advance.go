package kubelet

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
)

const (
	// crashLoopInitial and crashLoopMax are the kubelet's container restart
	// back-off: the first restart is immediate, the next waits 10 s, and
	// each further one twice as long, up to 5 min.
	crashLoopInitial = 10 * time.Second
	crashLoopMax     = 5 * time.Minute
	// crashLoopReset is how long a restart may come after the previous one
	// before the back-off starts over (upstream: twice the maximum).
	crashLoopReset = 2 * crashLoopMax
)

// podEvent is an event the kubelet records about the pod.
type podEvent struct{ typ, reason, message string }

// advance plays p's processes forward to now: every transition due at or
// before now happens, in time order, at its own time (so a late or
// repeated sync changes nothing). Caller holds p.mu.
func (p *proc) advance(now time.Time) []podEvent {
	var evs []podEvent
	for {
		i, at := p.next()
		if i < 0 || at.After(now) {
			return evs
		}
		evs = append(evs, p.step(i, at)...)
	}
}

// next is the container with the earliest pending transition and its
// time; -1 when nothing is pending. Ties go to the first container, so
// init containers go first.
func (p *proc) next() (int, time.Time) {
	best, at := -1, time.Time{}
	for i, c := range p.conts {
		if t := c.nextAt(); !t.IsZero() && (best < 0 || t.Before(at)) {
			best, at = i, t
		}
	}
	return best, at
}

// nextAt is when c next changes; zero for never.
func (c *container) nextAt() time.Time {
	switch {
	case c.stop != nil && c.cur.running():
		return c.stop.nextAt()
	case c.cur.running():
		t := c.cur.exitAt
		if !c.cur.ready && !c.cur.readyAt.IsZero() && (t.IsZero() || c.cur.readyAt.Before(t)) {
			t = c.cur.readyAt
		}
		return t
	}
	return c.startAt
}

// step makes container i's next transition happen at at.
func (p *proc) step(i int, at time.Time) []podEvent {
	c := p.conts[i]
	switch {
	case c.stop != nil && c.cur.running():
		return p.stopStep(i, at)
	case c.cur.running() && !c.cur.ready && c.cur.readyAt.Equal(at):
		c.cur.ready = true
		c.cur.log(at, "ready")
		return nil
	case c.cur.running():
		reason := "Completed"
		if c.cur.exitCode != 0 {
			reason = "Error"
		}
		p.finish(c, at, c.cur.exitCode, reason, "", exitedWith(c.cur.exitCode))
		return p.afterExit(i, at)
	}
	return p.start(i, at)
}

// start runs a new instance of container i.
func (p *proc) start(i int, at time.Time) []podEvent {
	c := p.conts[i]
	if c.cur != nil {
		c.prev = c.cur
		c.restarts++
	}
	c.startAt = time.Time{}
	c.cur = &instance{id: containerID(p.uid, c.name, c.restarts), started: at}
	if c.b.failStart {
		msg := fmt.Sprintf("failed to start container %q: simulated start failure (%s)", c.name, AnnotationFailStart)
		c.cur.startError = true
		p.finish(c, at, 128, "StartError", msg, "")
		return append([]podEvent{{corev1.EventTypeWarning, "Failed", "Error: " + msg}}, p.afterExit(i, at)...)
	}
	c.cur.log(at, "started")
	if !c.b.neverReady {
		c.cur.readyAt = at.Add(c.b.readyAfter)
	}
	c.cur.exitAt, c.cur.exitCode = plannedExit(c.b, at)
	return []podEvent{
		{corev1.EventTypeNormal, "Pulled", fmt.Sprintf("Container image %q already present on machine", c.image)},
		{corev1.EventTypeNormal, "Created", "Created container: " + c.name},
		{corev1.EventTypeNormal, "Started", "Started container " + c.name},
	}
}

// plannedExit is when and how an instance started at at exits on its own.
func plannedExit(b behaviour, at time.Time) (time.Time, int32) {
	switch {
	case b.crashAfter > 0 && (b.completeAfter == 0 || b.crashAfter <= b.completeAfter):
		return at.Add(b.crashAfter), 1
	case b.completeAfter > 0:
		return at.Add(b.completeAfter), 0
	}
	return time.Time{}, 0
}

// finish ends c's current instance at at, logging line unless empty.
func (p *proc) finish(c *container, at time.Time, code int32, reason, message, line string) {
	i := c.cur
	i.finished, i.code, i.reason, i.message = at, code, reason, message
	if line != "" {
		i.log(at, "%s", line)
	}
	p.notify()
}

func exitedWith(code int32) string { return fmt.Sprintf("exited with code %d", code) }

// afterExit decides what follows container i's exit at at: the next init
// container, a restart after the back-off, or nothing.
func (p *proc) afterExit(i int, at time.Time) []podEvent {
	c := p.conts[i]
	if p.term != nil {
		return nil
	}
	code := c.cur.code
	if c.init && code == 0 {
		p.scheduleAfterInit(i, at)
		return nil
	}
	if p.policy == corev1.RestartPolicyNever || (p.policy == corev1.RestartPolicyOnFailure && code == 0) {
		p.failed = p.failed || c.init
		return nil
	}
	expired := c.backoff == 0 || at.Sub(c.backoffAt) > crashLoopReset
	delay := c.backoff
	if expired {
		delay, c.backoff = 0, crashLoopInitial
	} else {
		c.backoff = min(2*c.backoff, crashLoopMax)
	}
	c.startAt = at.Add(delay)
	c.backoffAt = c.startAt
	if delay == 0 {
		return nil
	}
	return []podEvent{{corev1.EventTypeWarning, "BackOff", "Back-off restarting failed container " + c.name + " in pod " + p.name}}
}
