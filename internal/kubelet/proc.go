package kubelet

import (
	"crypto/sha256"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// proc is the simulated processes of one pod, kept in memory by UID from
// the first sync to the pod's removal. Its mutex is held by the pod's sync
// (one at a time per key, by the queue) and by log readers.
type proc struct {
	uid       types.UID
	key, name string // namespace/name, name
	node      *node
	ip        string
	seen      time.Time // the kubelet admitted the pod: status.startTime
	policy    corev1.RestartPolicy
	conts     []*container // init containers first, in order, then the regular ones

	// term is set once the kubelet has seen the deletionTimestamp.
	term *termination
	// failed is set when an init container failed for good.
	failed bool
	// deleteSent is set once the final grace-0 DELETE was answered: a pod
	// kept by finalizers is not deleted again.
	deleteSent bool
	// frozen is set for a pod already terminal when first seen: the
	// kubelet runs nothing and writes no status for it.
	frozen bool
	// gone is set when the pod was forgotten.
	gone bool

	mu      sync.Mutex
	changed chan struct{} // closed and replaced when a log line is added or a container ends
}

// container is one container of a proc: its current and previous
// instances and what happens next.
type container struct {
	name, image string
	init        bool
	b           behaviour
	cur, prev   *instance
	restarts    int32
	startAt     time.Time     // when the next instance starts; zero: none planned
	backoff     time.Duration // the restart back-off in force; zero: none yet
	backoffAt   time.Time     // when backoff was last applied
	stop        *stopPlan     // set when the pod is being killed and this container runs
}

// instance is one run of a container's process.
type instance struct {
	id         string
	started    time.Time
	readyAt    time.Time // zero: never
	ready      bool      // readiness reached (and logged)
	exitAt     time.Time // planned exit of its own (crash, completion); zero: none
	exitCode   int32     // of the planned exit
	finished   time.Time // zero while running
	code       int32
	reason     string
	message    string
	startError bool
	logs       []logLine
}

// logLine is one line a process wrote.
type logLine struct {
	at   time.Time
	text string
}

func (i *instance) running() bool { return i != nil && i.finished.IsZero() }

func (i *instance) log(at time.Time, format string, args ...any) {
	i.logs = append(i.logs, logLine{at: at, text: fmt.Sprintf(format, args...)})
}

func newProc(pod *corev1.Pod, n *node, now time.Time) *proc {
	p := &proc{
		uid: pod.UID, key: pod.Namespace + "/" + pod.Name, name: pod.Name, node: n,
		seen: now, policy: pod.Spec.RestartPolicy, changed: make(chan struct{}),
	}
	if p.policy == "" {
		p.policy = corev1.RestartPolicyAlways
	}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		p.conts = append(p.conts, &container{name: c.Name, image: c.Image, init: true, b: behaviourOf(pod, c, true)})
	}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		p.conts = append(p.conts, &container{name: c.Name, image: c.Image, b: behaviourOf(pod, c, false)})
	}
	p.scheduleAfterInit(-1, now)
	return p
}

// scheduleAfterInit plans what starts once init container i (-1: none)
// has completed at t: the next init container, else every regular one.
func (p *proc) scheduleAfterInit(i int, t time.Time) {
	if next := i + 1; next < len(p.conts) && p.conts[next].init {
		p.conts[next].startAt = t
		return
	}
	for _, c := range p.conts {
		if !c.init {
			c.startAt = t
		}
	}
}

// notify wakes the log followers. Caller holds p.mu.
func (p *proc) notify() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// containerID is a stable, unique containerd-style ID of one instance.
func containerID(uid types.UID, name string, restarts int32) string {
	return fmt.Sprintf("%x", sha256.Sum256(fmt.Appendf(nil, "%s/%s/%d", uid, name, restarts)))
}
