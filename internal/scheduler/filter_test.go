package scheduler

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestFilters(t *testing.T) {
	t.Parallel()
	zoneSpread := func(skew int32, when corev1.UnsatisfiableConstraintAction) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Spec.TopologySpreadConstraints = append(p.Spec.TopologySpreadConstraints, corev1.TopologySpreadConstraint{
				MaxSkew: skew, TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: when,
				LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			})
		}
	}
	antiWeb := func(p *corev1.Pod) {
		p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
				TopologyKey: corev1.LabelHostname, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			}},
		}}
	}
	onlyNode := func(name string) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
				NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchFields: []corev1.NodeSelectorRequirement{{
					Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{name},
				}}}},
			}}}
		}
	}
	tests := []struct {
		name     string
		node     *corev1.Node
		others   []*corev1.Node
		existing []*corev1.Pod
		pod      *corev1.Pod
		want     []string // nil: fits
	}{
		{name: "ready empty node fits", node: node("n1", "a"), pod: pod("p")},
		{name: "cordoned", node: node("n1", "a", cordoned), pod: pod("p"), want: []string{reasonUnschedulable}},
		{name: "cordoned but tolerated like a DaemonSet pod", node: node("n1", "a", cordoned),
			pod: pod("p", tolerating(corev1.TaintNodeUnschedulable, corev1.TaintEffectNoSchedule))},
		{name: "NoSchedule taint", node: node("n1", "a", tainted("dedicated", "gpu", corev1.TaintEffectNoSchedule)),
			pod: pod("p"), want: []string{reasonTaints}},
		{name: "NoExecute taint", node: node("n1", "a", tainted("dedicated", "gpu", corev1.TaintEffectNoExecute)),
			pod: pod("p"), want: []string{reasonTaints}},
		{name: "PreferNoSchedule taint only scores", node: node("n1", "a", tainted("dedicated", "gpu", corev1.TaintEffectPreferNoSchedule)),
			pod: pod("p")},
		{name: "tolerated taint", node: node("n1", "a", tainted("dedicated", "gpu", corev1.TaintEffectNoSchedule)),
			pod: pod("p", tolerating("dedicated", corev1.TaintEffectNoSchedule))},
		{name: "not ready", node: node("n1", "a", ready(corev1.ConditionFalse)), pod: pod("p"), want: []string{reasonTaints}},
		{name: "unknown readiness", node: node("n1", "a", ready(corev1.ConditionUnknown)), pod: pod("p"), want: []string{reasonTaints}},
		{name: "not ready but tolerated", node: node("n1", "a", ready(corev1.ConditionFalse)),
			pod: pod("p", tolerating(corev1.TaintNodeNotReady, corev1.TaintEffectNoSchedule))},
		{name: "nodeSelector mismatch", node: node("n1", "a"),
			pod: pod("p", func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"disk": "ssd"} }), want: []string{reasonNodeAffinity}},
		{name: "nodeSelector match", node: node("n1", "a", labelled("disk", "ssd")),
			pod: pod("p", func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"disk": "ssd"} })},
		{name: "matchFields metadata.name of another node", node: node("n1", "a"), pod: pod("p", onlyNode("n2")), want: []string{reasonNodeAffinity}},
		{name: "matchFields metadata.name of this node", node: node("n1", "a"), pod: pod("p", onlyNode("n1"))},
		{name: "host port taken", node: node("n1", "a"), existing: []*corev1.Pod{pod("e", boundTo("n1"), withHostPort(8080, ""))},
			pod: pod("p", withHostPort(8080, "")), want: []string{reasonPorts}},
		{name: "host port taken on the wildcard address", node: node("n1", "a"), existing: []*corev1.Pod{pod("e", boundTo("n1"), withHostPort(8080, ""))},
			pod: pod("p", withHostPort(8080, "10.0.0.1")), want: []string{reasonPorts}},
		{name: "same host port on different addresses", node: node("n1", "a"), existing: []*corev1.Pod{pod("e", boundTo("n1"), withHostPort(8080, "10.0.0.2"))},
			pod: pod("p", withHostPort(8080, "10.0.0.1"))},
		{name: "insufficient cpu and memory", node: node("n1", "a"), existing: []*corev1.Pod{pod("e", boundTo("n1"), requests("3", "7Gi"))},
			pod: pod("p", requests("2", "2Gi")), want: []string{"Insufficient cpu", "Insufficient memory"}},
		{name: "terminating pod still holds its cpu", node: node("n1", "a"),
			existing: []*corev1.Pod{pod("e", boundTo("n1"), requests("3", ""), func(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{} })},
			pod:      pod("p", requests("2", "")), want: []string{"Insufficient cpu"}},
		{name: "init container maximum counts", node: node("n1", "a"),
			pod: pod("p", func(p *corev1.Pod) {
				p.Spec.InitContainers = []corev1.Container{{Name: "init", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: mustQuantity("5")}}}}
			}), want: []string{"Insufficient cpu"}},
		{name: "pod overhead counts", node: node("n1", "a"),
			pod:  pod("p", requests("3", ""), func(p *corev1.Pod) { p.Spec.Overhead = corev1.ResourceList{corev1.ResourceCPU: mustQuantity("2")} }),
			want: []string{"Insufficient cpu"}},
		{name: "too many pods", node: node("n1", "a", maxPods(1)), existing: []*corev1.Pod{pod("e", boundTo("n1"))},
			pod: pod("p"), want: []string{reasonTooManyPods}},
		{name: "topology spread skew exceeded", node: node("n1", "a"), others: []*corev1.Node{node("n2", "b")},
			existing: []*corev1.Pod{pod("e", boundTo("n1"), podLabel("app", "web"))},
			pod:      pod("p", podLabel("app", "web"), zoneSpread(1, corev1.DoNotSchedule)), want: []string{reasonSpread}},
		{name: "topology spread within skew", node: node("n2", "b"), others: []*corev1.Node{node("n1", "a")},
			existing: []*corev1.Pod{pod("e", boundTo("n1"), podLabel("app", "web"))},
			pod:      pod("p", podLabel("app", "web"), zoneSpread(1, corev1.DoNotSchedule))},
		{name: "topology spread ScheduleAnyway never filters", node: node("n1", "a"), others: []*corev1.Node{node("n2", "b")},
			existing: []*corev1.Pod{pod("e", boundTo("n1"), podLabel("app", "web"))},
			pod:      pod("p", podLabel("app", "web"), zoneSpread(1, corev1.ScheduleAnyway))},
		{name: "topology spread missing label", node: node("n1", "a", func(n *corev1.Node) { delete(n.Labels, corev1.LabelTopologyZone) }),
			pod: pod("p", podLabel("app", "web"), zoneSpread(1, corev1.DoNotSchedule)), want: []string{reasonSpreadLabel}},
		{name: "anti-affinity by hostname", node: node("n1", "a"), existing: []*corev1.Pod{pod("e", boundTo("n1"), podLabel("app", "web"))},
			pod: pod("p", podLabel("app", "web"), antiWeb), want: []string{reasonAntiAffinity}},
		{name: "existing pod's anti-affinity", node: node("n1", "a"), existing: []*corev1.Pod{pod("e", boundTo("n1"), antiWeb)},
			pod: pod("p", podLabel("app", "web")), want: []string{reasonExistingAnti}},
		{name: "anti-affinity on another node", node: node("n2", "a"), others: []*corev1.Node{node("n1", "a")},
			existing: []*corev1.Pod{pod("e", boundTo("n1"), podLabel("app", "web"))}, pod: pod("p", podLabel("app", "web"), antiWeb)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := snapshot(t, append([]*corev1.Node{tt.node}, tt.others...), tt.existing...)
			nodes := c.nodesLocked()
			cyc := newCycle(tt.pod, nodes)
			st := cyc.filter(c.nodes[tt.node.Name])
			var got []string
			if st != nil {
				got = st.reasons
			}
			if !equalStrings(got, tt.want) {
				t.Errorf("reasons = %q, want %q", got, tt.want)
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
