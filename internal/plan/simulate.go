package plan

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Options are the drain's flags the plan must assume.
type Options struct {
	// Force: pods without a controller are deleted (and lost), as
	// kubectl drain --force; otherwise they block their node.
	Force bool
	// DeleteEmptyDirData: pods with emptyDir volumes are evicted, as
	// kubectl drain --delete-emptydir-data; otherwise they block.
	DeleteEmptyDirData bool
}

// sim is one simulation: the snapshot's state, moved wave by wave.
type sim struct {
	opts    Options
	nodes   map[string]*simNode
	order   []*simNode // every node, by name
	onNode  map[string][]*corev1.Pod
	budgets map[*corev1.Pod][]*simBudget
	all     []*simBudget
}

// Make plans the drain of targets over a snapshot. An unknown node is an
// error.
func Make(snap *Snapshot, targets []string, opts Options) (*Plan, error) {
	s, err := newSim(snap, targets, opts)
	if err != nil {
		return nil, err
	}
	p := &Plan{Nodes: targets, CordonFirst: true, Waves: []Wave{}, Blocked: []Blocked{}, Notes: notes}
	remaining := slices.Clone(targets)
	for len(remaining) > 0 {
		w, left := s.wave(remaining)
		if len(w.Nodes) == 0 {
			break
		}
		w.Index = len(p.Waves) + 1
		p.Waves = append(p.Waves, w)
		p.Estimate.Seconds += w.Estimate.Seconds
		p.Estimate.WorstSeconds += w.Estimate.WorstSeconds
		remaining = left
	}
	for _, n := range remaining {
		p.Blocked = append(p.Blocked, s.blocked(n))
	}
	return p, nil
}

// notes are the simulation's assumptions, printed with every plan.
var notes = []string{
	"Every node of the plan is cordoned before the first wave, so replacements land only on other nodes.",
	"A wave starts once its budgets have the room listed under await (earlier replacements Ready).",
	"DaemonSet and static pods are left in place (kubectl drain --ignore-daemonsets).",
	"Replacements are placed by a fit check (cordon, node readiness, taints, node selector and affinity, host ports, pods, cpu, memory), least-loaded node first; inter-pod affinity and topology spread are not simulated.",
}

func newSim(snap *Snapshot, targets []string, opts Options) (*sim, error) {
	s := &sim{opts: opts, nodes: map[string]*simNode{}, onNode: map[string][]*corev1.Pod{}, budgets: map[*corev1.Pod][]*simBudget{}}
	for i := range snap.Nodes {
		n := newSimNode(&snap.Nodes[i])
		s.nodes[n.node.Name] = n
		s.order = append(s.order, n)
	}
	slices.SortFunc(s.order, func(a, b *simNode) int { return strings.Compare(a.node.Name, b.node.Name) })
	seen := map[string]bool{}
	for _, name := range targets {
		n, ok := s.nodes[name]
		if !ok {
			return nil, fmt.Errorf("node %q not found", name)
		}
		if seen[name] {
			return nil, fmt.Errorf("node %q given twice", name)
		}
		seen[name] = true
		n.target = true
	}
	for i := range snap.Pods {
		pod := &snap.Pods[i]
		terminal := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
		if n := s.nodes[pod.Spec.NodeName]; n != nil && !terminal {
			n.add(pod)
			s.onNode[n.node.Name] = append(s.onNode[n.node.Name], pod)
		}
	}
	for i := range snap.PDBs {
		b := &simBudget{pdb: &snap.PDBs[i]}
		for _, pods := range s.onNode {
			for _, pod := range pods {
				if !selects(b.pdb, pod) || pod.DeletionTimestamp != nil {
					continue
				}
				s.budgets[pod] = append(s.budgets[pod], b)
				b.members++
				if willBeReady(pod) {
					b.healthy++
				} else {
					b.neverReady = append(b.neverReady, pod.Name)
				}
			}
		}
		b.desired = desiredHealthy(b.pdb, b.members)
		s.all = append(s.all, b)
	}
	for _, pods := range s.onNode {
		slices.SortFunc(pods, func(a, b *corev1.Pod) int {
			return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
		})
	}
	return s, nil
}

// need is what draining one node asks of the budgets.
type need struct {
	consume   map[*simBudget]int32 // budget-consuming evictions
	unhealthy map[*simBudget]bool  // unready pods let go without the budget
	reasons   []Reason             // static blockers
	pods      []*corev1.Pod        // pods the drain evicts
}

// needOf works out what draining node n asks, against the budgets' state.
func (s *sim) needOf(n string) need {
	nd := need{consume: map[*simBudget]int32{}, unhealthy: map[*simBudget]bool{}}
	for _, pod := range s.onNode[n] {
		kind := classify(pod)
		switch kind {
		case kindDaemon, kindMirror:
			continue
		case kindUnmanaged:
			if !s.opts.Force {
				nd.reasons = append(nd.reasons, reason(ReasonUnmanaged, pod, "",
					"the pod has no controller: kubectl drain refuses it without --force (and nothing would replace it)"))
				continue
			}
		}
		if hasEmptyDir(pod) && !s.opts.DeleteEmptyDirData {
			nd.reasons = append(nd.reasons, reason(ReasonLocalStorage, pod, "",
				"the pod has emptyDir data: kubectl drain refuses it without --delete-emptydir-data"))
			continue
		}
		nd.pods = append(nd.pods, pod)
		if kind == kindBypass {
			continue
		}
		bs := s.budgets[pod]
		switch {
		case len(bs) > 1:
			names := make([]string, len(bs))
			for i, b := range bs {
				names[i] = b.pdb.Name
			}
			nd.reasons = append(nd.reasons, reason(ReasonMultipleBudgets, pod, strings.Join(names, ","),
				fmt.Sprintf("budgets %s all select the pod: every eviction of it is a 500", strings.Join(names, " and "))))
		case len(bs) == 1 && !willBeReady(pod) && bs[0].unhealthyGoes():
			nd.unhealthy[bs[0]] = true
		case len(bs) == 1:
			nd.consume[bs[0]]++
		}
	}
	return nd
}

// wave takes, in order, every remaining node whose drain fits beside the
// ones already taken, then carries the wave out on the simulated state.
func (s *sim) wave(remaining []string) (Wave, []string) {
	w := Wave{Evictions: []Eviction{}}
	taken := map[*simBudget]int32{}
	unhealthy := map[*simBudget]bool{}
	var left []string
	var chosen []need
	for _, n := range remaining {
		nd := s.needOf(n)
		ok := len(nd.reasons) == 0
		for b, c := range nd.consume {
			if taken[b]+c > b.room() {
				ok = false
			}
		}
		if !ok {
			left = append(left, n)
			continue
		}
		for b, c := range nd.consume {
			taken[b] += c
		}
		for b := range nd.unhealthy {
			unhealthy[b] = true
		}
		w.Nodes = append(w.Nodes, n)
		chosen = append(chosen, nd)
	}
	for _, b := range s.all {
		if taken[b] > 0 || unhealthy[b] {
			w.Await = append(w.Await, Await{Namespace: b.pdb.Namespace, Budget: b.pdb.Name, DisruptionsAllowed: taken[b], CurrentHealthy: b.healthy})
		}
	}
	for _, nd := range chosen {
		for _, pod := range nd.pods {
			w.Evictions = append(w.Evictions, s.evict(pod))
		}
	}
	for _, e := range w.Evictions {
		w.Estimate.Seconds = max(w.Estimate.Seconds, e.TerminationSeconds, e.ReadySeconds)
	}
	for _, nd := range chosen {
		for _, pod := range nd.pods {
			_, worst := terminationSeconds(pod)
			ready := 0.0
			if classify(pod) == kindEvicted {
				ready = readySeconds(pod)
				if replacedAfterDeletion(pod) {
					ready += worst
				}
			}
			w.Estimate.WorstSeconds = max(w.Estimate.WorstSeconds, worst, ready)
		}
	}
	if len(w.Nodes) > 0 {
		w.Estimate.Seconds += drainPollSeconds
		w.Estimate.WorstSeconds += drainPollSeconds
	}
	return w, left
}

// evict removes pod from the simulation and places its replacement.
func (s *sim) evict(pod *corev1.Pod) Eviction {
	e := Eviction{Namespace: pod.Namespace, Name: pod.Name, Node: pod.Spec.NodeName}
	e.TerminationSeconds, _ = terminationSeconds(pod)
	bs := s.budgets[pod]
	if len(bs) == 1 && classify(pod) != kindBypass {
		e.Budget = bs[0].pdb.Name
		e.Unhealthy = !willBeReady(pod) && bs[0].unhealthyGoes()
	}
	counted := willBeReady(pod) && pod.DeletionTimestamp == nil
	switch classify(pod) {
	case kindEvicted:
		repl := pod.DeepCopy()
		repl.Spec.NodeName = ""
		n, why := place(s.order, repl)
		if n == nil {
			e.Pending = why
			// Only a pod that counted as healthy leaves its budget short.
			for _, b := range bs {
				if counted {
					b.pending = append(b.pending, pod.Name)
					b.healthy--
				}
			}
			break
		}
		n.add(repl)
		e.Replacement = n.node.Name
		e.ReadySeconds = readySeconds(pod)
		if replacedAfterDeletion(pod) {
			e.ReadySeconds += e.TerminationSeconds
		}
	case kindUnmanaged:
		for _, b := range bs {
			if counted {
				b.lost = append(b.lost, pod.Name)
				b.healthy--
			}
		}
	}
	return e
}

// blocked says why node n cannot be drained without a 429 in the final
// state.
func (s *sim) blocked(n string) Blocked {
	nd := s.needOf(n)
	bl := Blocked{Node: n, Permanent: true, Reasons: nd.reasons}
	retriesOnly := len(nd.reasons) == 0
	for _, pod := range nd.pods {
		bs := s.budgets[pod]
		if len(bs) != 1 || classify(pod) == kindBypass || nd.unhealthy[bs[0]] && !willBeReady(pod) {
			continue
		}
		b := bs[0]
		c := nd.consume[b]
		if c <= b.room() {
			continue
		}
		if b.room() > 0 {
			bl.Reasons = append(bl.Reasons, reason(ReasonNeedsRetries, pod, b.pdb.Name, fmt.Sprintf(
				"the node holds %d pods of budget %s, which allows %d at once: the drain would meet 429s and wait for replacements", c, b.pdb.Name, b.room())))
			continue
		}
		retriesOnly = false
		bl.Reasons = append(bl.Reasons, reason(b.blockCode(), pod, b.pdb.Name, b.blockMessage()))
	}
	bl.Permanent = !retriesOnly
	return bl
}

// blockCode and blockMessage say why a budget has no room for good.
func (b *simBudget) blockCode() string {
	switch {
	case b.never() != "":
		return ReasonNoDisruptionEver
	case len(b.pending) > 0:
		return ReasonNoRoom
	case len(b.neverReady) > 0:
		return ReasonNeverReady
	}
	return ReasonNoDisruptionEver
}

func (b *simBudget) blockMessage() string {
	base := fmt.Sprintf("budget %s would have %d healthy pods and needs %d", b.pdb.Name, b.healthy, b.desired)
	switch b.blockCode() {
	case ReasonNoRoom:
		return fmt.Sprintf("%s: replacements of %s fit nowhere", base, strings.Join(b.pending, ", "))
	case ReasonNeverReady:
		verb := "never becomes"
		if len(b.neverReady) > 1 {
			verb = "never become"
		}
		return fmt.Sprintf("%s: %s %s Ready", base, strings.Join(b.neverReady, ", "), verb)
	}
	if msg := b.never(); msg != "" {
		return msg
	}
	if len(b.lost) > 0 {
		return fmt.Sprintf("%s: %s were deleted and nothing replaces them", base, strings.Join(b.lost, ", "))
	}
	return base
}

func reason(code string, pod *corev1.Pod, budget, msg string) Reason {
	return Reason{Code: code, Namespace: pod.Namespace, Pod: pod.Name, Budget: budget, Message: msg}
}
