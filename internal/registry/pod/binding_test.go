package pod

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func newBinding(node string) *corev1.Binding {
	return &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "default"},
		Target:     corev1.ObjectReference{Kind: "Node", Name: node},
	}
}

func TestBindAt(t *testing.T) {
	t.Parallel()
	pod := defaultedPod(nil)
	newStrategy().PrepareForCreate(t.Context(), pod)
	pod.Generation = 2
	pod.Annotations = map[string]string{"keep": "me", "over": "old"}
	pod.Status.NominatedNodeName = "node-9"
	pod.Status.Conditions = []corev1.PodCondition{{
		Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", LastTransitionTime: metav1.NewTime(t0.Add(-time.Hour)),
	}}
	b := newBinding("node-1")
	b.Annotations = map[string]string{"over": "new", "scheduler": "yes"}
	b.Labels = map[string]string{"topology.kubernetes.io/zone": "z1"}

	if err := BindAt(pod, b, t0); err != nil {
		t.Fatal(err)
	}
	if pod.Spec.NodeName != "node-1" || pod.Status.NominatedNodeName != "" {
		t.Errorf("nodeName %q nominatedNodeName %q, want node-1 and cleared", pod.Spec.NodeName, pod.Status.NominatedNodeName)
	}
	assertSemanticEqual(t, pod.Annotations, map[string]string{"keep": "me", "over": "new", "scheduler": "yes"})
	assertSemanticEqual(t, pod.Labels, map[string]string{"topology.kubernetes.io/zone": "z1"})
	assertSemanticEqual(t, pod.Status.Conditions, []corev1.PodCondition{{
		Type: corev1.PodScheduled, Status: corev1.ConditionTrue, ObservedGeneration: 2, LastTransitionTime: metav1.NewTime(t0),
	}})
	if pod.Generation != 2 {
		t.Errorf("generation %d: binding must not bump it", pod.Generation)
	}
}

func TestBindRefused(t *testing.T) {
	t.Parallel()
	deleting := metav1.NewTime(t0)
	tests := []struct {
		name    string
		pod     func(*corev1.Pod)
		binding func(*corev1.Binding)
		want    string
	}{{
		name: "already assigned",
		pod:  func(p *corev1.Pod) { p.Spec.NodeName = "node-2" },
		want: `Operation cannot be fulfilled on pods/binding "web-1": pod web-1 is already assigned to node "node-2"`,
	}, {
		name: "being deleted",
		pod:  func(p *corev1.Pod) { p.DeletionTimestamp = &deleting },
		want: `Operation cannot be fulfilled on pods/binding "web-1": pod web-1 is being deleted, cannot be assigned to a host`,
	}, {
		name: "scheduling gates remain",
		pod:  func(p *corev1.Pod) { p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/a"}} },
		want: `Operation cannot be fulfilled on pods/binding "web-1": pod web-1 has non-empty .spec.schedulingGates`,
	}, {
		name:    "uid precondition",
		pod:     func(p *corev1.Pod) { p.UID = "u1" },
		binding: func(b *corev1.Binding) { b.UID = "u2" },
		want:    `Operation cannot be fulfilled on pods "web-1": Precondition failed: UID in precondition: u2, UID in object meta: u1`,
	}, {
		name:    "resourceVersion precondition",
		pod:     func(p *corev1.Pod) { p.ResourceVersion = "5" },
		binding: func(b *corev1.Binding) { b.ResourceVersion = "4" },
		want:    `Operation cannot be fulfilled on pods "web-1": Precondition failed: ResourceVersion in precondition: 4, ResourceVersion in object meta: 5`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pod := defaultedPod(tt.pod)
			before := pod.DeepCopy()
			b := newBinding("node-1")
			if tt.binding != nil {
				tt.binding(b)
			}
			err := BindAt(pod, b, time.Now())
			if !apierrors.IsConflict(err) || err.Error() != tt.want {
				t.Fatalf("got %v, want a conflict %q", err, tt.want)
			}
			assertSemanticEqual(t, pod, before)
		})
	}
}

func TestValidateBinding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		target corev1.ObjectReference
		want   []string
	}{
		{name: "node by name", target: corev1.ObjectReference{Kind: "Node", Name: "node-1"}},
		{name: "kind may be empty", target: corev1.ObjectReference{Name: "node-1"}},
		{name: "not a node", target: corev1.ObjectReference{Kind: "Pod", Name: "x"}, want: []string{`target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>"`}},
		{name: "no name", target: corev1.ObjectReference{Kind: "Node"}, want: []string{"target.name: Required value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assertMessages(t, ValidateBinding(&corev1.Binding{Target: tt.target}), tt.want)
		})
	}
}
