package drain

import (
	"sync"
	"time"
)

// EventType says what happened to a node or a pod.
type EventType string

// The events a drain reports, in the order a pod meets them.
const (
	// NodeCordoned: the node is unschedulable (or already was).
	NodeCordoned EventType = "cordoned"
	// NodeListed: the node's pods were filtered; Count is how many go,
	// Message the filters' warnings.
	NodeListed EventType = "listed"
	// PodEvicting: an eviction (or delete) request is being sent.
	PodEvicting EventType = "evicting"
	// PodBlocked: a budget does not allow the pod to go yet; Message says
	// why.
	PodBlocked EventType = "blocked"
	// PodEvicted: the server accepted the eviction (or delete).
	PodEvicted EventType = "evicted"
	// PodTerminating: the pod is shutting down; Deadline is when its
	// grace runs out.
	PodTerminating EventType = "terminating"
	// PodDeleted: the pod is gone (or, with Message, no longer waited
	// for).
	PodDeleted EventType = "deleted"
	// PodFailed: the pod's eviction ended in an error or the timeout.
	PodFailed EventType = "failed"
	// NodeDrained, NodeFailed: the node's drain ended.
	NodeDrained EventType = "drained"
	NodeFailed  EventType = "failed-node"
	// NodeUncordoned: --uncordon-on-failure made the node schedulable.
	NodeUncordoned EventType = "uncordoned"
)

// Event is one step of a drain, for live views and logs.
type Event struct {
	Time     time.Time
	Type     EventType
	Node     string
	Pod      string // namespace/name; empty for node events
	Count    int
	Message  string
	Deadline time.Time
}

// observer serialises calls to Options.Observe.
type observer struct {
	mu sync.Mutex
	fn func(Event)
}

func (o *observer) observe(e Event) {
	if o.fn == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.fn(e)
}
