package pod

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
)

func TestSelectableFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pod  *corev1.Pod
		want fields.Set
	}{{
		name: "empty pod lists every field",
		pod:  &corev1.Pod{},
		want: fields.Set{
			"spec.nodeName": "", "spec.restartPolicy": "", "spec.schedulerName": "", "spec.serviceAccountName": "",
			"spec.hostNetwork": "false", "status.phase": "", "status.podIP": "", "status.nominatedNodeName": "",
		},
	}, {
		name: "scheduled running pod",
		pod: func() *corev1.Pod {
			p := defaultedPod(func(p *corev1.Pod) {
				p.Spec.NodeName = "node-1"
				p.Spec.HostNetwork = true
				p.Spec.ServiceAccountName = "builder"
				p.Status.Phase = corev1.PodRunning
				p.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.7"}, {IP: "fd00::7"}}
				p.Status.NominatedNodeName = "node-2"
			})
			return p
		}(),
		want: fields.Set{
			"spec.nodeName": "node-1", "spec.restartPolicy": "Always", "spec.schedulerName": "default-scheduler",
			"spec.serviceAccountName": "builder", "spec.hostNetwork": "true", "status.phase": "Running",
			"status.podIP": "10.0.0.7", "status.nominatedNodeName": "node-2",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := SelectableFields(tt.pod)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestSelectableFieldsSelectDrainTargets(t *testing.T) {
	t.Parallel()
	sel := fields.ParseSelectorOrDie("spec.nodeName=node-1,status.phase!=Succeeded,status.phase!=Failed")
	on := defaultedPod(func(p *corev1.Pod) { p.Spec.NodeName = "node-1"; p.Status.Phase = corev1.PodRunning })
	done := defaultedPod(func(p *corev1.Pod) { p.Spec.NodeName = "node-1"; p.Status.Phase = corev1.PodSucceeded })
	if !sel.Matches(SelectableFields(on)) || sel.Matches(SelectableFields(done)) {
		t.Error("selector must match the running pod and not the succeeded one")
	}
}
