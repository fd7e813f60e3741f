package membership

import (
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// TriggerTimes computes the endpoints.kubernetes.io/last-change-trigger-time
// of a Service's endpoints: the earliest change (a pod's Ready transition,
// the Service's creation) not seen by the previous sync of that Service.
// Syncs of one Service never run concurrently; the mutex guards the map.
type TriggerTimes struct {
	mu     sync.Mutex
	states map[string]triggerState // by service key; mu guards
}

type triggerState struct {
	pods    map[string]time.Time // pod name → Ready lastTransitionTime
	service time.Time            // the Service's creationTimestamp
}

// NewTriggerTimes returns an empty tracker.
func NewTriggerTimes() *TriggerTimes {
	return &TriggerTimes{states: map[string]triggerState{}}
}

// Compute returns the trigger time for this sync of svc over pods and
// remembers the state. A Service seen for the first time answers its
// creationTimestamp; no new change answers the zero time.
func (t *TriggerTimes) Compute(key string, svc *corev1.Service, pods []*corev1.Pod) time.Time {
	t.mu.Lock()
	prev, known := t.states[key]
	t.mu.Unlock()

	var earliest time.Time
	next := triggerState{pods: make(map[string]time.Time, len(pods)), service: svc.CreationTimestamp.Time}
	for _, pod := range pods {
		at := readySince(pod)
		if at.IsZero() {
			continue
		}
		next.pods[pod.Name] = at
		if at.After(prev.pods[pod.Name]) {
			earliest = earlier(earliest, at)
		}
	}
	if next.service.After(prev.service) {
		earliest = earlier(earliest, next.service)
	}
	t.mu.Lock()
	t.states[key] = next
	t.mu.Unlock()
	if !known {
		return svc.CreationTimestamp.Time
	}
	return earliest
}

// Forget drops the state of a deleted Service.
func (t *TriggerTimes) Forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.states, key)
}

func readySince(pod *corev1.Pod) time.Time {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.LastTransitionTime.Time
		}
	}
	return time.Time{}
}

// earlier is min where the zero time means "none yet".
func earlier(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}
