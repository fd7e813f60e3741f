package e2e

import (
	"testing"
)

// TestScale: `kubectl scale` PATCHes deployments/scale and reads back an
// autoscaling/v1 Scale; `kubectl get deploy` shows the Table columns.
func TestScale(t *testing.T) {
	withKubectl(t, func(t *testing.T, e *env) {
		e.run(t, "create", "deployment", "web", "--image=nginx")
		wantLine(t, e.run(t, "scale", "deployment/web", "--replicas=3").stdout, `^deployment.apps/web scaled$`)
		var d struct {
			Spec struct {
				Replicas int `json:"replicas"`
			} `json:"spec"`
		}
		e.getJSON(t, &d, "deployment", "web")
		if d.Spec.Replicas != 3 {
			t.Errorf("spec.replicas %d after scale, want 3", d.Spec.Replicas)
		}
		parseTable(t, e.run(t, "get", "deployments").stdout).wantColumns(t, "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE")
	})
}
