package kubelet

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
)

// attach hands the running component's clock and heartbeat trigger to the
// Simulator (nil, nil when it stops).
func (s *Simulator) attach(clk clock.Clock, wake func(string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock, s.wake = clk, wake
}

// now is the running component's clock's time, else the wall clock's.
func (s *Simulator) now() time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.clock == nil {
		return time.Now()
	}
	return s.clock.Now()
}

// procFor returns pod's processes, creating them (fresh) at the first
// sight of this UID; an older pod of the same name is forgotten.
func (s *Simulator) procFor(pod *corev1.Pod, n *node, now time.Time) (p *proc, fresh bool) {
	key := pod.Namespace + "/" + pod.Name
	s.mu.Lock()
	defer s.mu.Unlock()
	if uid, ok := s.byKey[key]; ok {
		if uid == pod.UID {
			return s.procs[uid], false
		}
		s.forgetLocked(uid)
	}
	p = newProc(pod, n, now)
	s.procs[pod.UID], s.byKey[key] = p, pod.UID
	return p, true
}

// forget drops the processes of the pod at key, if any: its address goes
// back to its node and log followers end.
func (s *Simulator) forget(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if uid, ok := s.byKey[key]; ok {
		s.forgetLocked(uid)
	}
}

// forgetLocked drops proc uid. Caller holds s.mu.
func (s *Simulator) forgetLocked(uid types.UID) {
	p := s.procs[uid]
	delete(s.procs, uid)
	delete(s.byKey, p.key)
	p.mu.Lock()
	p.gone = true
	p.notify()
	ip := p.ip
	p.ip = ""
	p.mu.Unlock()
	if ip != "" {
		p.node.mu.Lock()
		p.node.pods.release(ip)
		p.node.mu.Unlock()
	}
}

// lookup is the processes of the pod namespace/name.
func (s *Simulator) lookup(key string) *proc {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.procs[s.byKey[key]]
}
