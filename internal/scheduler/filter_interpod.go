package scheduler

// topologyPair is one topology domain: a node label key and value.
type topologyPair struct{ key, value string }

// interPodFilter is InterPodAffinity's filter state: the domains holding
// pods the incoming pod's required (anti-)affinity terms select, and the
// domains whose pods' anti-affinity terms select the incoming pod.
type interPodFilter struct {
	anti     map[topologyPair]int
	affinity map[topologyPair]int
	existing map[topologyPair]int
	// selfAffine is true when the pod matches all its own affinity terms:
	// the first pod of a group may then go anywhere.
	selfAffine bool
}

func newInterPodFilter(c *cycle, nodes []*nodeInfo) *interPodFilter {
	f := &interPodFilter{anti: map[topologyPair]int{}, affinity: map[topologyPair]int{}, existing: map[topologyPair]int{}}
	f.selfAffine = matchesAll(c.info.affinity, c)
	for _, n := range nodes {
		for _, p := range n.withAntiAffinity {
			for _, t := range p.antiAffinity {
				if v, ok := n.label(t.topologyKey); ok && t.matches(c.pod) {
					f.existing[topologyPair{t.topologyKey, v}]++
				}
			}
		}
		if len(c.info.antiAffinity) == 0 && len(c.info.affinity) == 0 {
			continue
		}
		for _, p := range n.pods {
			f.countTerms(c, n, p)
		}
	}
	return f
}

// countTerms counts existing pod p on node n against the incoming pod's
// terms: each anti-affinity term it matches, and the affinity terms when
// it matches all of them (as upstream).
func (f *interPodFilter) countTerms(c *cycle, n *nodeInfo, p *podInfo) {
	for _, t := range c.info.antiAffinity {
		if v, ok := n.label(t.topologyKey); ok && t.matches(p.pod) {
			f.anti[topologyPair{t.topologyKey, v}]++
		}
	}
	if len(c.info.affinity) == 0 || !matchesAllPod(c.info.affinity, p) {
		return
	}
	for _, t := range c.info.affinity {
		if v, ok := n.label(t.topologyKey); ok {
			f.affinity[topologyPair{t.topologyKey, v}]++
		}
	}
}

func matchesAll(terms []affinityTerm, c *cycle) bool {
	return len(terms) > 0 && matchesAllPod(terms, c.info)
}

func matchesAllPod(terms []affinityTerm, p *podInfo) bool {
	for _, t := range terms {
		if !t.matches(p.pod) {
			return false
		}
	}
	return true
}

// filterInterPod is InterPodAffinity's filter, in upstream's order:
// the pod's affinity, its anti-affinity, then existing pods'
// anti-affinity towards it.
func filterInterPod(c *cycle, n *nodeInfo) *status {
	f := c.interPod
	if !f.affinityHolds(c, n) {
		return &status{plugin: pluginInterPod, reasons: []string{reasonAffinity}}
	}
	for _, t := range c.info.antiAffinity {
		if v, ok := n.label(t.topologyKey); ok && f.anti[topologyPair{t.topologyKey, v}] > 0 {
			return &status{plugin: pluginInterPod, reasons: []string{reasonAntiAffinity}, resolvable: true}
		}
	}
	if len(f.existing) > 0 {
		for k, v := range n.node.Labels {
			if f.existing[topologyPair{k, v}] > 0 {
				return &status{plugin: pluginInterPod, reasons: []string{reasonExistingAnti}, resolvable: true}
			}
		}
	}
	return nil
}

// affinityHolds tells whether every affinity term finds a matching pod
// in n's domain, or no pod matches anywhere yet and the pod matches its
// own terms.
func (f *interPodFilter) affinityHolds(c *cycle, n *nodeInfo) bool {
	if len(c.info.affinity) == 0 {
		return true
	}
	for _, t := range c.info.affinity {
		v, ok := n.label(t.topologyKey)
		if !ok || f.affinity[topologyPair{t.topologyKey, v}] <= 0 {
			return len(f.affinity) == 0 && f.selfAffine
		}
	}
	return true
}
