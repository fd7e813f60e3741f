package kubelet

import (
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestStatusPatch(t *testing.T) {
	t.Parallel()
	pending := corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}}
	running := corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}
	tests := []struct {
		name    string
		uid     types.UID
		wantUID string // "" for no metadata at all
	}{
		{name: "a pod's patch carries its uid as precondition", uid: "uid-web", wantUID: "uid-web"},
		{name: "a node's patch has no metadata", uid: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data, err := statusPatch(pending, running, &corev1.Pod{}, tt.uid)
			if err != nil {
				t.Fatal(err)
			}
			var patch struct {
				Metadata *struct{ UID string } `json:"metadata"`
				Status   struct {
					Phase      string
					Conditions []corev1.PodCondition
				}
			}
			if err := json.Unmarshal(data, &patch); err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.wantUID == "" && patch.Metadata != nil:
				t.Errorf("metadata in %s, want none", data)
			case tt.wantUID != "" && (patch.Metadata == nil || patch.Metadata.UID != tt.wantUID):
				t.Errorf("patch %s, want metadata.uid %s", data, tt.wantUID)
			}
			c := patch.Status.Conditions
			if patch.Status.Phase != "Running" || len(c) != 1 || c[0].Type != corev1.PodReady || c[0].Status != corev1.ConditionTrue {
				t.Errorf("status part of %s, want phase Running and Ready True", data)
			}
		})
	}
}
