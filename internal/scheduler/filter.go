package scheduler

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
)

// plugin names one filter. A pod that failed remembers which filters
// rejected it, so that only cluster events able to change their answer
// move it back to the active queue (upstream's queueing hints, coarsely).
type plugin uint16

const (
	pluginUnschedulable plugin = 1 << iota // NodeUnschedulable
	pluginTaints                           // TaintToleration
	pluginNodeAffinity                     // NodeAffinity
	pluginPorts                            // NodePorts
	pluginResources                        // NodeResourcesFit
	pluginSpread                           // PodTopologySpread
	pluginInterPod                         // InterPodAffinity

	// numPlugins is the number of filters.
	numPlugins = iota
	// pluginsAll is every filter: what a node event may affect.
	pluginsAll plugin = 1<<numPlugins - 1
	// pluginsFreed are the filters a pod leaving a node may satisfy.
	pluginsFreed = pluginPorts | pluginResources | pluginSpread | pluginInterPod
	// pluginsJoined are the filters a pod arriving on a node (or changing
	// labels) may satisfy: affinity to it, or a spreading minimum raised.
	pluginsJoined = pluginSpread | pluginInterPod
)

// Reasons are upstream's, word for word: users and tools read them in
// FailedScheduling events and PodScheduled conditions.
const (
	reasonUnschedulable  = "node(s) were unschedulable"
	reasonTaints         = "node(s) had untolerated taint(s)"
	reasonNodeAffinity   = "node(s) didn't match Pod's node affinity/selector"
	reasonPorts          = "node(s) didn't have free ports for the requested pod ports"
	reasonTooManyPods    = "Too many pods"
	reasonSpread         = "node(s) didn't match pod topology spread constraints"
	reasonSpreadLabel    = "node(s) didn't match pod topology spread constraints (missing required label)"
	reasonAntiAffinity   = "node(s) didn't match pod anti-affinity rules"
	reasonExistingAnti   = "node(s) didn't satisfy existing pods anti-affinity rules"
	reasonAffinity       = "node(s) didn't match pod affinity rules"
	reasonInsufficient   = "Insufficient "
	reasonNoVictims      = "No preemption victims found for incoming pod."
	reasonNotHelpful     = "Preemption is not helpful for scheduling"
	podScheduledReason   = "Unschedulable"
	failedSchedulingNote = "FailedScheduling"
)

// status is a filter's verdict against one node; nil means it passed.
type status struct {
	plugin  plugin
	reasons []string
	// resolvable marks upstream's Unschedulable (removing pods from the
	// node might help, so preemption would look at it) as opposed to
	// UnschedulableAndUnresolvable.
	resolvable bool
}

// cycle is one scheduling attempt of one pod: the pod's parsed
// constraints and the per-cycle state of the filters that need a view of
// the whole cluster. It is built and used under the cache lock.
type cycle struct {
	pod      *corev1.Pod
	info     *podInfo
	affinity nodeaffinity.RequiredNodeAffinity
	spread   *spreadFilter
	interPod *interPodFilter
	// spreadScore is PodTopologySpread's scoring state, kept between
	// scoring and normalizing.
	spreadScore *spreadScore
}

func newCycle(pod *corev1.Pod, nodes []*nodeInfo) *cycle {
	c := &cycle{pod: pod, info: newPodInfo(pod), affinity: nodeaffinity.GetRequiredNodeAffinity(pod)}
	c.spread = newSpreadFilter(c, nodes)
	c.interPod = newInterPodFilter(c, nodes)
	return c
}

// filters run in upstream's default order; the first rejection decides a
// node's reason, as upstream stops at the first failing filter.
var filters = []func(*cycle, *nodeInfo) *status{
	filterUnschedulable,
	filterTaints,
	filterNodeAffinity,
	filterPorts,
	filterResources,
	filterSpread,
	filterInterPod,
}

// filter runs every filter on n.
func (c *cycle) filter(n *nodeInfo) *status {
	for _, f := range filters {
		if s := f(c, n); s != nil {
			return s
		}
	}
	return nil
}

// sortedScalars lists the names of r's extended resources in order, so
// reasons come out the same every time.
func sortedScalars(r resources) []corev1.ResourceName {
	names := make([]corev1.ResourceName, 0, len(r.scalar))
	for name := range r.scalar {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
