package scheduler

import (
	"math"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// spreadConstraint is a parsed topologySpreadConstraint.
type spreadConstraint struct {
	maxSkew    int32
	key        string
	selector   labels.Selector
	minDomains int32
	// honorAffinity and honorTaints are the node inclusion policies:
	// whether nodes the pod could not go to (node affinity; taints) count
	// as domains. Upstream defaults: Honor and Ignore.
	honorAffinity bool
	honorTaints   bool
}

// spreadConstraints parses pod's constraints of kind when. matchLabelKeys
// add the pod's own values for those keys to the selector.
func spreadConstraints(pod *corev1.Pod, when corev1.UnsatisfiableConstraintAction) []spreadConstraint {
	var out []spreadConstraint
	for _, tsc := range pod.Spec.TopologySpreadConstraints {
		if tsc.WhenUnsatisfiable != when {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(tsc.LabelSelector)
		if err != nil {
			sel = labels.Nothing()
		}
		for _, k := range tsc.MatchLabelKeys {
			if v, ok := pod.Labels[k]; ok {
				if r, err := labels.NewRequirement(k, selection.In, []string{v}); err == nil {
					sel = sel.Add(*r)
				}
			}
		}
		c := spreadConstraint{maxSkew: tsc.MaxSkew, key: tsc.TopologyKey, selector: sel, minDomains: 1,
			honorAffinity: tsc.NodeAffinityPolicy == nil || *tsc.NodeAffinityPolicy == corev1.NodeInclusionPolicyHonor,
			honorTaints:   tsc.NodeTaintsPolicy != nil && *tsc.NodeTaintsPolicy == corev1.NodeInclusionPolicyHonor}
		if tsc.MinDomains != nil {
			c.minDomains = *tsc.MinDomains
		}
		out = append(out, c)
	}
	return out
}

// hasKeys tells whether a node carries every constraint's topology key;
// nodes that do not are no domain of any constraint.
func hasKeys(node *corev1.Node, cs []spreadConstraint) bool {
	for _, c := range cs {
		if _, ok := node.Labels[c.key]; !ok {
			return false
		}
	}
	return true
}

// countMatching counts n's non-terminating pods in namespace that sel
// selects.
func countMatching(n *nodeInfo, sel labels.Selector, namespace string) int {
	count := 0
	for _, p := range n.pods {
		if !terminating(p.pod) && p.pod.Namespace == namespace && sel.Matches(labels.Set(p.pod.Labels)) {
			count++
		}
	}
	return count
}

// spreadFilter is PodTopologySpread's filter state for the pod's
// DoNotSchedule constraints: matching pods per domain and the global
// minimum per constraint.
type spreadFilter struct {
	constraints []spreadConstraint
	counts      []map[string]int
	min         []int
	selfMatch   []int
}

func newSpreadFilter(c *cycle, nodes []*nodeInfo) *spreadFilter {
	cs := spreadConstraints(c.pod, corev1.DoNotSchedule)
	if len(cs) == 0 {
		return nil
	}
	f := &spreadFilter{constraints: cs, counts: make([]map[string]int, len(cs)), min: make([]int, len(cs)), selfMatch: make([]int, len(cs))}
	for i, sc := range cs {
		f.counts[i] = map[string]int{}
		if sc.selector.Matches(labels.Set(c.pod.Labels)) {
			f.selfMatch[i] = 1
		}
	}
	for _, n := range nodes {
		if !hasKeys(n.node, cs) {
			continue
		}
		for i, sc := range cs {
			if !c.includes(sc, n) {
				continue
			}
			f.counts[i][n.node.Labels[sc.key]] += countMatching(n, sc.selector, c.pod.Namespace)
		}
	}
	for i, sc := range cs {
		f.min[i] = minCount(f.counts[i], sc.minDomains)
	}
	return f
}

// includes applies a constraint's node inclusion policies to n.
func (c *cycle) includes(sc spreadConstraint, n *nodeInfo) bool {
	if sc.honorAffinity {
		if ok, err := c.affinity.Match(n.node); !ok || err != nil {
			return false
		}
	}
	return !sc.honorTaints || filterTaints(c, n) == nil
}

// minCount is the smallest count of any domain, or 0 while there are
// fewer domains than minDomains (the pod may open a new one).
func minCount(counts map[string]int, minDomains int32) int {
	if len(counts) < int(minDomains) || len(counts) == 0 {
		return 0
	}
	m := math.MaxInt
	for _, v := range counts {
		m = min(m, v)
	}
	return m
}

// filterSpread is PodTopologySpread's filter: placing the pod on n must
// keep every DoNotSchedule constraint's skew (its domain's count plus
// the pod, minus the global minimum) within maxSkew.
func filterSpread(c *cycle, n *nodeInfo) *status {
	f := c.spread
	if f == nil {
		return nil
	}
	for i, sc := range f.constraints {
		v, ok := n.label(sc.key)
		if !ok {
			return &status{plugin: pluginSpread, reasons: []string{reasonSpreadLabel}}
		}
		if skew := f.counts[i][v] + f.selfMatch[i] - f.min[i]; skew > int(sc.maxSkew) {
			return &status{plugin: pluginSpread, reasons: []string{reasonSpread}, resolvable: true}
		}
	}
	return nil
}
