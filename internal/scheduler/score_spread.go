package scheduler

import (
	"math"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

const (
	// defaultHostnameSkew and defaultZoneSkew are the system default
	// constraints upstream applies (ScheduleAnyway) to a pod that declares
	// none: spread one owner's pods across nodes, then zones.
	defaultHostnameSkew = 3
	defaultZoneSkew     = 5
)

// spreadScore is PodTopologySpread's scoring state for the pod's
// ScheduleAnyway constraints (or the system defaults).
type spreadScore struct {
	constraints []spreadConstraint
	// ignored marks feasible nodes (by index) that lack a required
	// topology key: they score 0.
	ignored []bool
	// domains counts matching pods per domain of each non-hostname
	// constraint; only domains of feasible nodes are present.
	domains []map[string]int64
	weights []float64
}

// spreadScoreConstraints returns the pod's ScheduleAnyway constraints;
// a pod with no constraints at all and an owner gets the system defaults.
func spreadScoreConstraints(c *cycle) []spreadConstraint {
	if len(c.pod.Spec.TopologySpreadConstraints) > 0 {
		return spreadConstraints(c.pod, corev1.ScheduleAnyway)
	}
	if c.info.owner == "" {
		return nil
	}
	return []spreadConstraint{
		{maxSkew: defaultHostnameSkew, key: corev1.LabelHostname, selector: labels.Everything(), minDomains: 1, honorAffinity: true},
		{maxSkew: defaultZoneSkew, key: corev1.LabelTopologyZone, selector: labels.Everything(), minDomains: 1, honorAffinity: true},
	}
}

// count is the number of pods on n that spread with the pod. Upstream
// counts a pod with owner references by its first owner's UID, whatever
// the constraint's selector says; only an ownerless pod uses the selector.
func (c *cycle) count(sc spreadConstraint, n *nodeInfo) int64 {
	if c.info.owner != "" {
		return int64(n.owners[c.info.owner])
	}
	return int64(countMatching(n, sc.selector, c.pod.Namespace))
}

func prepareSpreadScore(c *cycle, feasible, all []*nodeInfo) func(int, *nodeInfo) int64 {
	cs := spreadScoreConstraints(c)
	if len(cs) == 0 {
		c.spreadScore = nil
		return nil
	}
	// System defaults do not require every key, so nodes without a zone
	// label still spread by hostname.
	requireAll := len(c.pod.Spec.TopologySpreadConstraints) > 0
	s := &spreadScore{constraints: cs, ignored: make([]bool, len(feasible)), domains: make([]map[string]int64, len(cs)), weights: make([]float64, len(cs))}
	c.spreadScore = s
	sizes := s.registerDomains(feasible, requireAll)
	for _, n := range all {
		s.countDomains(c, n, requireAll)
	}
	for i := range cs {
		s.weights[i] = math.Log(float64(sizes[i] + 2))
	}
	return s.scorer(c)
}

// registerDomains marks the ignored feasible nodes and notes the domains
// of the rest, returning each constraint's number of domains.
func (s *spreadScore) registerDomains(feasible []*nodeInfo, requireAll bool) []int {
	sizes := make([]int, len(s.constraints))
	for i := range s.constraints {
		s.domains[i] = map[string]int64{}
	}
	for j, n := range feasible {
		if requireAll && !hasKeys(n.node, s.constraints) {
			s.ignored[j] = true
			continue
		}
		for i, sc := range s.constraints {
			if sc.key == corev1.LabelHostname {
				sizes[i]++
				continue
			}
			if v, ok := n.label(sc.key); ok {
				if _, seen := s.domains[i][v]; !seen {
					s.domains[i][v] = 0
					sizes[i]++
				}
			}
		}
	}
	return sizes
}

// countDomains adds n's matching pods to its domains (any node the pod
// could go to counts, not only the feasible ones).
func (s *spreadScore) countDomains(c *cycle, n *nodeInfo, requireAll bool) {
	if requireAll && !hasKeys(n.node, s.constraints) {
		return
	}
	for i, sc := range s.constraints {
		if sc.key == corev1.LabelHostname {
			continue
		}
		// Counting first skips the label and policy checks on the many
		// nodes that hold none of the pod's siblings.
		cnt := c.count(sc, n)
		if cnt == 0 || !c.includes(sc, n) {
			continue
		}
		v, ok := n.label(sc.key)
		if _, registered := s.domains[i][v]; ok && registered {
			s.domains[i][v] += cnt
		}
	}
}

// scorer gives each node the weighted count of matching pods in its
// domains plus maxSkew-1 (so small skews matter less); lower is better.
func (s *spreadScore) scorer(c *cycle) func(int, *nodeInfo) int64 {
	return func(j int, n *nodeInfo) int64 {
		if s.ignored[j] {
			return 0
		}
		var score float64
		for i, sc := range s.constraints {
			v, ok := n.label(sc.key)
			if !ok {
				continue
			}
			cnt := s.domains[i][v]
			if sc.key == corev1.LabelHostname {
				cnt = c.count(sc, n)
			}
			score += float64(cnt)*s.weights[i] + float64(sc.maxSkew-1)
		}
		return int64(math.Round(score))
	}
}

// normalizeSpread maps raw spread scores so the emptiest domains get
// maxNodeScore: maxNodeScore*(max+min-score)/max; ignored nodes get 0.
func normalizeSpread(c *cycle, scores []int64) {
	s := c.spreadScore
	minScore, maxScore := int64(math.MaxInt64), int64(0)
	for j, v := range scores {
		if !s.ignored[j] {
			minScore, maxScore = min(minScore, v), max(maxScore, v)
		}
	}
	for j, v := range scores {
		switch {
		case s.ignored[j]:
			scores[j] = 0
		case maxScore == 0:
			scores[j] = maxNodeScore
		default:
			scores[j] = maxNodeScore * (maxScore + minScore - v) / maxScore
		}
	}
}
