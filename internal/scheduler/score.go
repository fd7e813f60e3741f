package scheduler

import (
	"math"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
)

// maxNodeScore is the score every plugin's normalized score tops out at.
const maxNodeScore = 100

// scorer is one scoring plugin of upstream's default profile, with its
// default weight. prepare returns nil when the plugin has nothing to say
// about this pod (upstream's PreScore Skip).
type scorer struct {
	weight  int64
	prepare func(c *cycle, feasible, all []*nodeInfo) func(i int, n *nodeInfo) int64
	// normalize maps the raw scores onto 0..maxNodeScore; nil when they
	// are already there.
	normalize func(c *cycle, scores []int64)
}

// scorers are the default profile's score plugins the scheduler
// implements: TaintToleration 3, NodeAffinity 2, PodTopologySpread 2,
// NodeResourcesFit (LeastAllocated) 1, NodeResourcesBalancedAllocation 1.
// InterPodAffinity's preferred terms and ImageLocality are not scored.
var scorers = []scorer{
	{weight: 3, prepare: prepareTaintScore, normalize: func(_ *cycle, s []int64) { defaultNormalize(s, true) }},
	{weight: 2, prepare: prepareAffinityScore, normalize: func(_ *cycle, s []int64) { defaultNormalize(s, false) }},
	{weight: 2, prepare: prepareSpreadScore, normalize: normalizeSpread},
	{weight: 1, prepare: prepareLeastAllocated},
	{weight: 1, prepare: prepareBalanced},
}

// score returns the weighted total score of each feasible node.
func (c *cycle) score(feasible, all []*nodeInfo) []int64 {
	total := make([]int64, len(feasible))
	raw := make([]int64, len(feasible))
	for _, s := range scorers {
		f := s.prepare(c, feasible, all)
		if f == nil {
			continue
		}
		for i, n := range feasible {
			raw[i] = f(i, n)
		}
		if s.normalize != nil {
			s.normalize(c, raw)
		}
		for i := range total {
			total[i] += s.weight * raw[i]
		}
	}
	return total
}

// defaultNormalize scales scores so the highest is maxNodeScore,
// reversed (lowest best) when reverse.
func defaultNormalize(scores []int64, reverse bool) {
	var top int64
	for _, s := range scores {
		top = max(top, s)
	}
	for i, s := range scores {
		switch {
		case top == 0 && reverse:
			scores[i] = maxNodeScore
		case top == 0:
			scores[i] = 0
		case reverse:
			scores[i] = maxNodeScore - maxNodeScore*s/top
		default:
			scores[i] = maxNodeScore * s / top
		}
	}
}

// prepareTaintScore counts the PreferNoSchedule taints the pod does not
// tolerate; fewer is better.
func prepareTaintScore(c *cycle, _, _ []*nodeInfo) func(int, *nodeInfo) int64 {
	return func(_ int, n *nodeInfo) int64 {
		var count int64
		for _, t := range n.node.Spec.Taints {
			if t.Effect == corev1.TaintEffectPreferNoSchedule && !tolerates(c.pod, t) {
				count++
			}
		}
		return count
	}
}

// prepareAffinityScore sums the weights of the preferred node affinity
// terms a node matches.
func prepareAffinityScore(c *cycle, _, _ []*nodeInfo) func(int, *nodeInfo) int64 {
	a := c.pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || len(a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution) == 0 {
		return nil
	}
	terms, err := nodeaffinity.NewPreferredSchedulingTerms(a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution)
	if err != nil {
		return nil
	}
	return func(_ int, n *nodeInfo) int64 { return terms.Score(n.node) }
}

// prepareLeastAllocated is NodeResourcesFit's LeastAllocated strategy:
// the share of cpu and memory left free once the pod is placed, averaged
// (weights 1 and 1), counting upstream's defaults for missing requests.
func prepareLeastAllocated(c *cycle, _, _ []*nodeInfo) func(int, *nodeInfo) int64 {
	return func(_ int, n *nodeInfo) int64 {
		cpu := leastRequested(n.nonZero.milliCPU+c.info.nonZero.milliCPU, n.allocatable.milliCPU)
		mem := leastRequested(n.nonZero.memory+c.info.nonZero.memory, n.allocatable.memory)
		return (cpu + mem) / 2
	}
}

func leastRequested(requested, capacity int64) int64 {
	if capacity == 0 || requested > capacity {
		return 0
	}
	return (capacity - requested) * maxNodeScore / capacity
}

// prepareBalanced is NodeResourcesBalancedAllocation: nodes whose cpu and
// memory would be used in equal proportions score higher. Pods that
// request neither are not scored, as upstream.
func prepareBalanced(c *cycle, _, _ []*nodeInfo) func(int, *nodeInfo) int64 {
	if c.info.req.milliCPU == 0 && c.info.req.memory == 0 {
		return nil
	}
	return func(_ int, n *nodeInfo) int64 {
		var fractions []float64
		if a := n.allocatable.milliCPU; a > 0 {
			fractions = append(fractions, min(1, float64(n.requested.milliCPU+c.info.req.milliCPU)/float64(a)))
		}
		if a := n.allocatable.memory; a > 0 {
			fractions = append(fractions, min(1, float64(n.requested.memory+c.info.req.memory)/float64(a)))
		}
		return int64((1 - stdDev(fractions)) * maxNodeScore)
	}
}

func stdDev(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	var mean, sq float64
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		sq += (x - mean) * (x - mean)
	}
	return math.Sqrt(sq / float64(len(xs)))
}
