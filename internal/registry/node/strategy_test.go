package node

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestStrategies(t *testing.T) {
	t.Parallel()
	ready := []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
	tests := []struct {
		name                   string
		status                 bool
		wantCordoned, wantCond bool
	}{
		{name: "update keeps the stored status", wantCordoned: true},
		{name: "status update keeps the stored spec", status: true, wantCond: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			old := newNode()
			node := old.DeepCopy()
			node.Spec.Unschedulable = true
			node.Status.Conditions = ready
			if tt.status {
				statusStrategy{}.PrepareForUpdate(t.Context(), node, old)
			} else {
				strategy{}.PrepareForUpdate(t.Context(), node, old)
			}
			if node.Spec.Unschedulable != tt.wantCordoned || (len(node.Status.Conditions) > 0) != tt.wantCond {
				t.Errorf("unschedulable %v conditions %v", node.Spec.Unschedulable, node.Status.Conditions)
			}
		})
	}
}

func TestCreateKeepsStatus(t *testing.T) {
	t.Parallel()
	node := newNode()
	node.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
	want := node.DeepCopy()
	strategy{}.PrepareForCreate(t.Context(), node)
	assertSemanticEqual(t, node, want)
}
