package kubelet

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
)

const (
	// minPodGrace is the pod worker's floor on the grace period (§5.2).
	minPodGrace = time.Second
	// minStopWindow is upstream's minimumGracePeriodInSeconds: the runtime
	// always gets at least 2 s between SIGTERM and SIGKILL, even after a
	// preStop hook used up the grace (§5.3.4e).
	minStopWindow = 2 * time.Second
	// defaultGrace is terminationGracePeriodSeconds' default.
	defaultGrace = 30 * time.Second
)

// termination is the kill of a pod in progress.
type termination struct {
	started time.Time
	grace   time.Duration
}

// stopPlan is when a running container's preStop hook ends, when it gets
// SIGTERM, and when it exits or is killed.
type stopPlan struct {
	hookStart, hookEnd time.Time // zero: no hook
	sigterm            time.Time
	exit               time.Time // zero: it does not exit before the kill
	kill               time.Time
	hookDone, termSent bool
}

// gracePeriod is the pod worker's effective grace (§5.2): the deletion's,
// else the spec's, never below 1 s.
func gracePeriod(pod *corev1.Pod) time.Duration {
	g := defaultGrace
	switch {
	case pod.DeletionGracePeriodSeconds != nil:
		g = time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
	case pod.Spec.TerminationGracePeriodSeconds != nil:
		g = time.Duration(*pod.Spec.TerminationGracePeriodSeconds) * time.Second
	}
	return max(g, minPodGrace)
}

// terminate starts killing the pod at now with grace, or, when a kill is in
// progress and grace is shorter, restarts it with the shorter grace; a
// longer grace changes nothing. Caller holds p.mu.
func (p *proc) terminate(grace time.Duration, now time.Time) []podEvent {
	if p.term != nil && (grace >= p.term.grace || p.allStopped()) {
		return nil
	}
	first := p.term == nil
	p.term = &termination{started: now, grace: grace}
	var evs []podEvent
	for _, c := range p.conts {
		c.startAt = time.Time{} // nothing starts any more
		if !c.cur.running() {
			continue
		}
		if first {
			evs = append(evs, podEvent{corev1.EventTypeNormal, "Killing", "Stopping container " + c.name})
			c.stop = planStop(c.b, c.b.preStop, now, grace)
			continue
		}
		c.stop = c.stop.shorten(c.b, now, grace)
	}
	p.notify()
	return evs
}

// planStop plans the stop of a container whose kill starts at start: the
// preStop hook runs for at most grace, the whole seconds it took are
// subtracted from grace (upstream's arithmetic), the rest (at least 2 s) is
// the window between SIGTERM and SIGKILL.
func planStop(b behaviour, preStop time.Duration, start time.Time, grace time.Duration) *stopPlan {
	s := &stopPlan{sigterm: start}
	if preStop > 0 {
		ran := min(preStop, grace)
		s.hookStart, s.hookEnd = start, start.Add(ran)
		s.sigterm = s.hookEnd
		grace -= ran.Truncate(time.Second)
	}
	s.kill = s.sigterm.Add(max(grace, minStopWindow))
	if !b.ignoreTerm {
		s.exit = s.sigterm.Add(b.shutdownAfter)
		if !s.exit.Before(s.kill) {
			s.exit = time.Time{}
		}
	}
	return s
}

// shorten replans a stop in progress for a shorter grace from now: a hook
// still running keeps running but within the new grace; after SIGTERM only
// the kill can come earlier.
func (s *stopPlan) shorten(b behaviour, now time.Time, grace time.Duration) *stopPlan {
	if !s.termSent {
		rest := time.Duration(0)
		if !s.hookDone && s.hookEnd.After(now) {
			rest = s.hookEnd.Sub(now)
		}
		n := planStop(b, rest, now, grace)
		if !s.hookStart.IsZero() {
			n.hookStart, n.hookDone = s.hookStart, s.hookDone
		}
		return n
	}
	if kill := now.Add(max(grace, minStopWindow)); kill.Before(s.kill) {
		s.kill = kill
		if !s.exit.IsZero() && !s.exit.Before(kill) {
			s.exit = time.Time{}
		}
	}
	return s
}

// nextAt is the plan's next step.
func (s *stopPlan) nextAt() time.Time {
	switch {
	case !s.hookStart.IsZero() && !s.hookDone:
		return s.hookEnd
	case !s.termSent:
		return s.sigterm
	case !s.exit.IsZero():
		return s.exit
	}
	return s.kill
}

// stopStep makes the next step of container i's stop plan happen at at.
func (p *proc) stopStep(i int, at time.Time) []podEvent {
	c := p.conts[i]
	s := c.stop
	switch {
	case !s.hookStart.IsZero() && !s.hookDone:
		s.hookDone = true
		c.cur.log(at, "preStop hook ran (%s)", at.Sub(s.hookStart))
	case !s.termSent:
		s.termSent = true
		if c.b.ignoreTerm {
			c.cur.log(at, "SIGTERM received, ignored")
		} else {
			c.cur.log(at, "SIGTERM received")
		}
	case !s.exit.IsZero():
		// A process that handles SIGTERM exits cleanly; one that does not
		// dies of the signal (128+15).
		if c.b.handlesTerm {
			p.finish(c, at, 0, "Completed", "", exitedWith(0))
		} else {
			p.finish(c, at, 143, "Error", "", exitedWith(143))
		}
	default:
		p.finish(c, at, 137, "Error", "", fmt.Sprintf("killed after %s (SIGKILL)", at.Sub(p.term.started)))
	}
	p.notify()
	return nil
}

// allStopped reports whether no container runs; after a kill started
// nothing starts again, so the pod is then done.
func (p *proc) allStopped() bool {
	for _, c := range p.conts {
		if c.cur.running() {
			return false
		}
	}
	return true
}
