package node

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
)

func TestSelectableFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		unschedulable bool
		want          string
	}{
		{name: "schedulable", want: "false"},
		{name: "cordoned", unschedulable: true, want: "true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := SelectableFields(&corev1.Node{Spec: corev1.NodeSpec{Unschedulable: tt.unschedulable}})
			if len(got) != 1 || got["spec.unschedulable"] != tt.want {
				t.Errorf("got %v, want spec.unschedulable=%s", got, tt.want)
			}
			if !fields.OneTermEqualSelector("spec.unschedulable", tt.want).Matches(got) {
				t.Error("selector does not match")
			}
		})
	}
}
