// Package kubelet simulates the kubelets of many nodes in one process. It
// registers Node objects, renews their Leases and reports their status, and
// plays the life of every pod bound to one of them: init containers,
// start, readiness, crashes with CrashLoopBackOff, Job-like completion, and
// graceful termination with preStop hooks, SIGTERM, SIGKILL and the final
// grace-0 DELETE, as the spec controllers-kubelet.md §5–§6.1
// describes. Pod behaviour comes from annotations (sim.evictd.io/…), see
// docs/kubelet.md.
//
// It speaks only client-go: one shared pod informer and one node informer
// feed two delaying queues (node heartbeats, pod transitions) drained by a
// few workers; there is no goroutine per pod or per node. A pod's sync is
// level-triggered: it re-reads the pod, advances the pod's simulated
// processes to the clock's now, writes the status that follows and queues
// the pod again for its next transition.
package kubelet

import (
	"fmt"
	"maps"
	"strconv"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
)

// maxNodes bounds Options.Nodes: node i's pod range is the /24 10.<i/256>.<i%256>.0.
const maxNodes = 65535

// Options describes the nodes of a Simulator; the zero value of each field
// means its default.
type Options struct {
	// Nodes is how many nodes to run: NamePrefix1 … NamePrefixN.
	Nodes int
	// NamePrefix defaults to "node-".
	NamePrefix string
	// CPU, Memory and Pods are each node's capacity (and allocatable);
	// they default to 32, 256Gi and 110.
	CPU, Memory, Pods resource.Quantity
	// Zones spreads the nodes round robin over zone-a, zone-b… (label
	// topology.kubernetes.io/zone); defaults to 3, at most 26.
	Zones int
	// Labels are added to every node's labels.
	Labels map[string]string
}

// Validate reports options that cannot be honoured.
func (o Options) Validate() error {
	switch {
	case o.Nodes < 0 || o.Nodes > maxNodes:
		return fmt.Errorf("kubelet: %d nodes: must be between 0 and %d", o.Nodes, maxNodes)
	case o.Zones < 0 || o.Zones > 26:
		return fmt.Errorf("kubelet: %d zones: must be between 1 and 26", o.Zones)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.NamePrefix == "" {
		o.NamePrefix = "node-"
	}
	if o.CPU.IsZero() {
		o.CPU = resource.MustParse("32")
	}
	if o.Memory.IsZero() {
		o.Memory = resource.MustParse("256Gi")
	}
	if o.Pods.IsZero() {
		o.Pods = resource.MustParse("110")
	}
	if o.Zones == 0 {
		o.Zones = 3
	}
	o.Labels = maps.Clone(o.Labels)
	return o
}

// Simulator is the kubelets of Options.Nodes nodes. Build it with New, run
// it with Component; it also serves the pods' logs (StreamLogs) and can
// stop and resume a node's heartbeats (StopNode, StartNode).
type Simulator struct {
	opts  Options
	nodes map[string]*node // by name; fixed after New
	names []string         // node names in order

	mu    sync.RWMutex
	procs map[types.UID]*proc // simulated processes of every pod seen
	byKey map[string]types.UID
	// clock and wake (which queues a node's heartbeat at once) are set
	// while the component runs.
	clock clock.Clock
	wake  func(name string)
}

// New builds the Simulator for opts (see Options.Validate: the component
// refuses to run with invalid options).
func New(opts Options) *Simulator {
	opts = opts.withDefaults()
	s := &Simulator{
		opts:  opts,
		nodes: map[string]*node{},
		procs: map[types.UID]*proc{},
		byKey: map[string]types.UID{},
	}
	if opts.Validate() != nil {
		return s
	}
	for i := 1; i <= opts.Nodes; i++ {
		n := newNode(opts.NamePrefix+strconv.Itoa(i), i)
		s.nodes[n.name] = n
		s.names = append(s.names, n.name)
	}
	return s
}

// NodeNames lists the simulated nodes in order.
func (s *Simulator) NodeNames() []string { return append([]string(nil), s.names...) }

// StopNode stops the heartbeats of a node: its Lease is no longer renewed
// and its status no longer reported, as when a kubelet dies, so the node
// lifecycle controller can be exercised. Its pods keep their state.
func (s *Simulator) StopNode(name string) error { return s.setStopped(name, true) }

// StartNode resumes a node's heartbeats, at once.
func (s *Simulator) StartNode(name string) error { return s.setStopped(name, false) }

func (s *Simulator) setStopped(name string, stopped bool) error {
	n, ok := s.nodes[name]
	if !ok {
		return fmt.Errorf("kubelet: no simulated node %q", name)
	}
	n.mu.Lock()
	n.stopped = stopped
	if !stopped {
		n.next = time.Time{} // a heartbeat is due at once
	}
	n.mu.Unlock()
	s.mu.RLock()
	wake := s.wake
	s.mu.RUnlock()
	if !stopped && wake != nil {
		wake(name)
	}
	return nil
}
