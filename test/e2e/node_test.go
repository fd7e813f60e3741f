package e2e

import (
	"testing"
)

// TestCordon: cordon sets spec.unschedulable with a strategic-merge
// patch, uncordon removes the field (it patches it to null).
func TestCordon(t *testing.T) {
	withEachKubectl(t, func(t *testing.T, e *env) {
		e.run(t, "create", "-f", "testdata/node.yaml")

		wantLine(t, e.run(t, "cordon", "n1").stdout, `^node/n1 cordoned$`)
		if !e.node(t, "n1").Spec.Unschedulable {
			t.Fatal("spec.unschedulable not set after cordon")
		}
		wantCells(t, parseTable(t, e.run(t, "get", "nodes").stdout).row(t, "n1"), map[string]string{"STATUS": "Ready,SchedulingDisabled"})
		wantLine(t, e.run(t, "cordon", "n1").stdout, `^node/n1 already cordoned$`)

		wantLine(t, e.run(t, "uncordon", "n1").stdout, `^node/n1 uncordoned$`)
		var node struct {
			Spec map[string]any `json:"spec"`
		}
		e.getJSON(t, &node, "node", "n1")
		if v, ok := node.Spec["unschedulable"]; ok {
			t.Errorf("spec.unschedulable is %v after uncordon, want it absent", v)
		}
		wantCells(t, parseTable(t, e.run(t, "get", "nodes").stdout).row(t, "n1"), map[string]string{"STATUS": "Ready"})
	})
}
