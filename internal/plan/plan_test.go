package plan

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
)

// TestMake runs the simulation over hand-built snapshots: each row is one
// decision of the planner.
func TestMake(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		snap    Snapshot
		targets []string
		opts    Options
		waves   [][]string
		blocked map[string]string // node -> first reason code
		// permanent lists the blocked nodes that never drain.
		permanent []string
		seconds   float64
		check     func(t *testing.T, p *Plan)
	}{{
		name: "one budget allowing one: a node per wave",
		snap: Snapshot{
			Nodes: []corev1.Node{node("a"), node("b"), node("c"), node("spare")},
			Pods:  []corev1.Pod{pod("w1", "a", "web"), pod("w2", "b", "web"), pod("w3", "c", "web")},
			PDBs:  []policyv1.PodDisruptionBudget{pdb("web", "web", 2, 3)},
		},
		targets: []string{"a", "b", "c"},
		waves:   [][]string{{"a"}, {"b"}, {"c"}},
		seconds: 3,
		check: func(t *testing.T, p *Plan) {
			want := Await{Namespace: "default", Budget: "web", DisruptionsAllowed: 1, CurrentHealthy: 3}
			for _, w := range p.Waves {
				if len(w.Await) != 1 || w.Await[0] != want {
					t.Errorf("wave %d await %+v, want %+v", w.Index, w.Await, want)
				}
				if e := w.Evictions[0]; e.Replacement != "spare" || e.Budget != "web" {
					t.Errorf("wave %d eviction %+v, want replacement on spare", w.Index, e)
				}
			}
		},
	}, {
		name: "independent budgets share a wave",
		snap: Snapshot{
			Nodes: []corev1.Node{node("a"), node("b"), node("spare")},
			Pods:  []corev1.Pod{pod("w1", "a", "web"), pod("w2", "spare", "web"), pod("d1", "b", "db"), pod("d2", "spare", "db")},
			PDBs:  []policyv1.PodDisruptionBudget{pdb("web", "web", 1, 2), pdb("db", "db", 1, 2)},
		},
		targets: []string{"a", "b"},
		waves:   [][]string{{"a", "b"}},
		seconds: 1,
	}, {
		name: "maxUnavailable 0 never drains",
		snap: Snapshot{
			Nodes: []corev1.Node{node("a"), node("spare")},
			Pods:  []corev1.Pod{pod("w1", "a", "web"), pod("w2", "spare", "web")},
			PDBs:  []policyv1.PodDisruptionBudget{pdb("web", "web", 2, 2, maxUnavailable(0))},
		},
		targets: []string{"a"},
		blocked: map[string]string{"a": ReasonNoDisruptionEver}, permanent: []string{"a"},
	}, {
		name: "a Deployment whose pods never become Ready",
		snap: Snapshot{
			Nodes: []corev1.Node{node("a"), node("spare")},
			Pods:  []corev1.Pod{pod("w1", "a", "web", neverReady), pod("w2", "spare", "web", neverReady), pod("ok", "a", "other")},
			PDBs:  []policyv1.PodDisruptionBudget{pdb("web", "web", 1, 0)},
		},
		targets: []string{"a"},
		blocked: map[string]string{"a": ReasonNeverReady}, permanent: []string{"a"},
	}, {
		name: "unready pods go while the budget is met",
		snap: Snapshot{
			Nodes: []corev1.Node{node("a"), node("spare")},
			Pods:  []corev1.Pod{pod("w1", "a", "web", neverReady), pod("w2", "spare", "web"), pod("w3", "spare", "web")},
			PDBs:  []policyv1.PodDisruptionBudget{pdb("web", "web", 2, 2)},
		},
		targets: []string{"a"},
		waves:   [][]string{{"a"}},
		seconds: 1,
		check: func(t *testing.T, p *Plan) {
			if e := p.Waves[0].Evictions[0]; !e.Unhealthy {
				t.Errorf("eviction %+v, want unhealthy", e)
			}
		},
	}, {
		name: "no room for replacements blocks the budget's next node",
		snap: Snapshot{
			Nodes: []corev1.Node{node("a"), node("b"), node("spare", tainted)},
			Pods:  []corev1.Pod{pod("w1", "a", "web"), pod("w2", "b", "web")},
			PDBs:  []policyv1.PodDisruptionBudget{pdb("web", "web", 1, 2)},
		},
		targets: []string{"a", "b"},
		waves:   [][]string{{"a"}},
		blocked: map[string]string{"b": ReasonNoRoom}, permanent: []string{"b"},
		seconds: 1,
		check: func(t *testing.T, p *Plan) {
			if e := p.Waves[0].Evictions[0]; e.Replacement != "" || !strings.Contains(e.Pending, "1 node(s) had untolerated taint(s)") {
				t.Errorf("eviction %+v, want a pending replacement for the taint", e)
			}
		},
	}, {
		name: "host port and cpu decide where replacements go",
		snap: Snapshot{
			Nodes: []corev1.Node{node("a"), node("busy"), node("full"), node("free")},
			Pods: []corev1.Pod{pod("p1", "a", "web", hostPort(80)), pod("x", "busy", "x", hostPort(80)),
				pod("y", "full", "y", cpu("3500m"))},
		},
		targets: []string{"a"},
		waves:   [][]string{{"a"}},
		seconds: 1,
		check: func(t *testing.T, p *Plan) {
			if r := p.Waves[0].Evictions[0].Replacement; r != "free" {
				t.Errorf("replacement on %q, want free", r)
			}
		},
	}, {
		name: "two budgets select a pod",
		snap: Snapshot{
			Nodes: []corev1.Node{node("a"), node("spare")},
			Pods:  []corev1.Pod{pod("w1", "a", "web"), pod("w2", "spare", "web")},
			PDBs:  []policyv1.PodDisruptionBudget{pdb("one", "web", 0, 2), pdb("two", "web", 0, 2)},
		},
		targets: []string{"a"},
		blocked: map[string]string{"a": ReasonMultipleBudgets}, permanent: []string{"a"},
	}, {
		name: "two pods of a budget allowing one: retries only",
		snap: Snapshot{
			Nodes: []corev1.Node{node("a"), node("spare")},
			Pods:  []corev1.Pod{pod("w1", "a", "web"), pod("w2", "a", "web"), pod("w3", "spare", "web")},
			PDBs:  []policyv1.PodDisruptionBudget{pdb("web", "web", 2, 3)},
		},
		targets: []string{"a"},
		blocked: map[string]string{"a": ReasonNeedsRetries},
	}, {
		name: "a pod without a controller needs --force",
		snap: Snapshot{
			Nodes: []corev1.Node{node("a"), node("spare")},
			Pods:  []corev1.Pod{pod("lone", "a", "lone", bare), pod("ds", "a", "ds", daemon)},
		},
		targets: []string{"a"},
		blocked: map[string]string{"a": ReasonUnmanaged}, permanent: []string{"a"},
	}, {
		name: "--force deletes it, DaemonSet pods stay",
		snap: Snapshot{
			Nodes: []corev1.Node{node("a"), node("spare")},
			Pods:  []corev1.Pod{pod("lone", "a", "lone", bare), pod("ds", "a", "ds", daemon)},
		},
		targets: []string{"a"}, opts: Options{Force: true},
		waves:   [][]string{{"a"}},
		seconds: 1,
		check: func(t *testing.T, p *Plan) {
			if ev := p.Waves[0].Evictions; len(ev) != 1 || ev[0].Name != "lone" || ev[0].Replacement != "" {
				t.Errorf("evictions %+v, want only lone, not replaced", ev)
			}
		},
	}, {
		name: "a StatefulSet's replacement starts once the old pod is gone",
		snap: Snapshot{
			Nodes: []corev1.Node{node("a"), node("spare")},
			Pods: []corev1.Pod{pod("db-0", "a", "db", statefulSet, annotate(annotationReadyAfter, "2s"),
				annotate(annotationShutdownAfter, "3s"))},
		},
		targets: []string{"a"},
		waves:   [][]string{{"a"}},
		seconds: 6,
		check: func(t *testing.T, p *Plan) {
			if e := p.Waves[0].Evictions[0]; e.TerminationSeconds != 3 || e.ReadySeconds != 5 {
				t.Errorf("eviction %+v, want termination 3 s and Ready 5 s after", e)
			}
		},
	}, {
		name: "duration from readiness delay and shutdown",
		snap: Snapshot{
			Nodes: []corev1.Node{node("a"), node("spare")},
			Pods: []corev1.Pod{pod("w1", "a", "web", annotate(annotationReadyAfter, "5s")),
				pod("w2", "a", "slow", annotate(annotationShutdownAfter, "8s"))},
		},
		targets: []string{"a"},
		waves:   [][]string{{"a"}},
		seconds: 9,
		check: func(t *testing.T, p *Plan) {
			if w := p.Estimate.WorstSeconds; w != 31 {
				t.Errorf("worst %v s, want 31 (30 s grace + 1 s poll)", w)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Make(&tt.snap, tt.targets, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var waves [][]string
			for _, w := range p.Waves {
				waves = append(waves, w.Nodes)
			}
			if !reflect.DeepEqual(waves, tt.waves) {
				t.Errorf("waves %v, want %v", waves, tt.waves)
			}
			blocked := map[string]string{}
			var permanent []string
			for _, b := range p.Blocked {
				blocked[b.Node] = b.Reasons[0].Code
				if b.Permanent {
					permanent = append(permanent, b.Node)
				}
			}
			if len(blocked) == 0 {
				blocked = nil
			}
			if !reflect.DeepEqual(blocked, tt.blocked) || !reflect.DeepEqual(permanent, tt.permanent) {
				t.Errorf("blocked %v (permanent %v), want %v (%v): %+v", blocked, permanent, tt.blocked, tt.permanent, p.Blocked)
			}
			if p.Estimate.Seconds != tt.seconds {
				t.Errorf("estimate %v s, want %v", p.Estimate.Seconds, tt.seconds)
			}
			if tt.check != nil {
				tt.check(t, p)
			}
			var text, js bytes.Buffer
			if err := p.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			if err := p.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			var back Plan
			if err := json.Unmarshal(js.Bytes(), &back); err != nil || !reflect.DeepEqual(&back, p) {
				t.Errorf("JSON round trip: %v\n%s", err, js.String())
			}
		})
	}
}

func TestMakeUnknownNode(t *testing.T) {
	t.Parallel()
	if _, err := Make(&Snapshot{Nodes: []corev1.Node{node("a")}}, []string{"a", "nope"}, Options{}); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("error %v, want one naming nope", err)
	}
}
