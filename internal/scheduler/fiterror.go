package scheduler

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// noNodesMessage is upstream's error when the cluster has no node at all.
const noNodesMessage = "no nodes available to schedule pods"

// diagnosis is why no node fit a pod: each node's rejection.
type diagnosis struct {
	numNodes int
	statuses []*status
	// plugins are the filters that rejected the pod somewhere; only
	// events able to change their answer retry it.
	plugins plugin
}

func (d *diagnosis) add(s *status) {
	d.statuses = append(d.statuses, s)
	d.plugins |= s.plugin
}

// message is upstream's FitError text followed by what its default
// preemption plugin adds: "0/3 nodes are available: 1 node(s) were
// unschedulable, 2 Insufficient cpu. preemption: 0/3 nodes are available:
// 1 Preemption is not helpful for scheduling, 2 No preemption victims
// found for incoming pod.." (the doubled period is upstream's: that
// reason ends with one). evictd does not preempt, so every node a
// preemption could have helped reports that no victims were found.
func (d *diagnosis) message(pod *corev1.Pod) string {
	if d.numNodes == 0 {
		return noNodesMessage
	}
	reasons := map[string]int{}
	preemption := map[string]int{}
	for _, s := range d.statuses {
		for _, r := range s.reasons {
			reasons[r]++
		}
		if s.resolvable {
			preemption[reasonNoVictims]++
		} else {
			preemption[reasonNotHelpful]++
		}
	}
	msg := fmt.Sprintf("0/%d nodes are available: %s.", d.numNodes, histogram(reasons))
	if p := pod.Spec.PreemptionPolicy; p != nil && *p == corev1.PreemptNever {
		return msg + " preemption: not eligible due to preemptionPolicy=Never."
	}
	return msg + fmt.Sprintf(" preemption: 0/%d nodes are available: %s.", d.numNodes, histogram(preemption))
}

// histogram renders counted reasons as "2 Insufficient cpu, 1 node(s)
// were unschedulable", sorted as strings the way upstream sorts them.
func histogram(counts map[string]int) string {
	parts := make([]string, 0, len(counts))
	for reason, n := range counts {
		parts = append(parts, fmt.Sprintf("%d %s", n, reason))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}
