package scheduler

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// choose runs one scheduling decision over nodes and pods and returns
// the chosen node's name.
func choose(t *testing.T, nodes []*corev1.Node, existing []*corev1.Pod, p *corev1.Pod) string {
	t.Helper()
	s := &Scheduler{cache: snapshot(t, nodes, existing...)}
	name, d := s.schedule(p)
	if name == "" {
		t.Fatalf("no node: %s", d.message(p))
	}
	return name
}

func TestScoringPicks(t *testing.T) {
	t.Parallel()
	preferZone := func(zone string) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.PreferredSchedulingTerm{{
				Weight: 10, Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{
					Key: corev1.LabelTopologyZone, Operator: corev1.NodeSelectorOpIn, Values: []string{zone},
				}}},
			}}}}
		}
	}
	hostSpread := func(p *corev1.Pod) {
		p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
			MaxSkew: 1, TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.ScheduleAnyway,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		}}
	}
	tests := []struct {
		name     string
		nodes    []*corev1.Node
		existing []*corev1.Pod
		pod      *corev1.Pod
		want     string
	}{
		{name: "least allocated prefers the emptier node",
			nodes:    []*corev1.Node{node("n1", "a"), node("n2", "a")},
			existing: []*corev1.Pod{pod("e", boundTo("n1"), requests("2", "4Gi"))},
			pod:      pod("p", requests("100m", "100Mi")), want: "n2"},
		{name: "pods without requests still count with the defaults",
			nodes:    []*corev1.Node{node("n1", "a"), node("n2", "a")},
			existing: []*corev1.Pod{pod("e1", boundTo("n2")), pod("e2", boundTo("n2"))},
			pod:      pod("p"), want: "n1"},
		{name: "replicas of one owner spread across nodes",
			nodes:    []*corev1.Node{node("n1", "a"), node("n2", "a")},
			existing: []*corev1.Pod{pod("e1", boundTo("n1"), ownedBy("rs")), pod("e2", boundTo("n2"), ownedBy("rs")), pod("e3", boundTo("n2"), ownedBy("rs")), pod("big", boundTo("n1"), requests("500m", "1Gi"))},
			pod:      pod("p", ownedBy("rs")), want: "n1"},
		{name: "replicas of one owner spread across zones",
			nodes:    []*corev1.Node{node("n1", "a"), node("n2", "a"), node("n3", "b")},
			existing: []*corev1.Pod{pod("e1", boundTo("n1"), ownedBy("rs")), pod("e2", boundTo("n2"), ownedBy("rs")), pod("x", boundTo("n3"), requests("500m", "1Gi"))},
			pod:      pod("p", ownedBy("rs")), want: "n3"},
		{name: "ScheduleAnyway hostname constraint of an ownerless pod counts by selector",
			nodes:    []*corev1.Node{node("n1", "a"), node("n2", "a")},
			existing: []*corev1.Pod{pod("e1", boundTo("n1"), podLabel("app", "web")), pod("e2", boundTo("n2"), requests("500m", "1Gi"))},
			pod:      pod("p", podLabel("app", "web"), hostSpread), want: "n2"},
		{name: "preferred node affinity",
			nodes:    []*corev1.Node{node("n1", "a"), node("n2", "b")},
			existing: []*corev1.Pod{pod("e", boundTo("n2"), requests("1", "1Gi"))},
			pod:      pod("p", preferZone("b")), want: "n2"},
		{name: "untolerated PreferNoSchedule taint is avoided",
			nodes: []*corev1.Node{node("n1", "a", tainted("spot", "", corev1.TaintEffectPreferNoSchedule)), node("n2", "a")},
			pod:   pod("p"), want: "n2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := choose(t, tt.nodes, tt.existing, tt.pod); got != tt.want {
				t.Errorf("chose %s, want %s", got, tt.want)
			}
		})
	}
}

func TestAssumedPodsSpreadABatchAndNeverOvercommit(t *testing.T) {
	t.Parallel()
	nodes := []*corev1.Node{node("n1", "a"), node("n2", "b"), node("n3", "c")}
	s := &Scheduler{cache: snapshot(t, nodes)}
	perNode := map[string]int{}
	for i := range 13 {
		// 1 cpu each on three 4-cpu nodes: 12 fit, the 13th does not.
		p := pod("p"+string(rune('a'+i)), requests("1", ""), ownedBy("rs"))
		name, d := s.schedule(p)
		if i == 12 {
			want := "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.."
			if name != "" || d.message(p) != want {
				t.Fatalf("13th pod: node %q, message %q; want none, %q", name, d.message(p), want)
			}
			break
		}
		if name == "" {
			t.Fatalf("pod %d: %s", i, d.message(p))
		}
		perNode[name]++
	}
	for _, n := range nodes {
		if perNode[n.Name] != 4 {
			t.Errorf("per node = %v, want 4 each", perNode)
		}
	}
}

func TestNumFeasibleNodesToFind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		all, out int
	}{
		{name: "small cluster: every node", all: 50, out: 50},
		{name: "at least 100", all: 150, out: 100},
		{name: "1000 nodes: 42%", all: 1000, out: 420},
		{name: "5000 nodes: floor of 10%", all: 5000, out: 500},
		{name: "huge cluster: 5%", all: 10000, out: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := numFeasibleNodesToFind(tt.all); got != tt.out {
				t.Errorf("numFeasibleNodesToFind(%d) = %d, want %d", tt.all, got, tt.out)
			}
		})
	}
}
