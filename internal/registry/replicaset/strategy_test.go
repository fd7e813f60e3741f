package replicaset

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestResource(t *testing.T) {
	t.Parallel()
	a, b := Resource(), Resource()
	if a == b || a.Scale == b.Scale || !a.Namespaced || a.ShortNames[0] != "rs" || a.Categories[0] != "all" || a.StatusStrategy == nil || a.Scale == nil {
		t.Errorf("unexpected resource %+v", a)
	}
	if a.GroupVersionKind().String() != "apps/v1, Kind=ReplicaSet" || a.Plural != "replicasets" {
		t.Errorf("unexpected kind %v %s", a.GroupVersionKind(), a.Plural)
	}
	if !a.Strategy.AllowUnconditionalUpdate() || a.Strategy.AllowCreateOnUpdate() {
		t.Error("ReplicaSets allow PUT without resourceVersion and never create on PUT")
	}
	if _, ok := a.SelectableFields(a.New())["status.replicas"]; !ok {
		t.Error("status.replicas must be selectable on an empty object")
	}
}

func TestDefault(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		replicas *int32
		want     int32
	}{
		{name: "unset", want: 1},
		{name: "zero kept", replicas: ptr.To[int32](0), want: 0},
		{name: "set kept", replicas: ptr.To[int32](4), want: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs := defaulted(func(rs *appsv1.ReplicaSet) { rs.Spec.Replicas = tt.replicas })
			if *rs.Spec.Replicas != tt.want {
				t.Errorf("replicas = %d, want %d", *rs.Spec.Replicas, tt.want)
			}
			spec, c := rs.Spec.Template.Spec, rs.Spec.Template.Spec.Containers[0]
			if spec.RestartPolicy != corev1.RestartPolicyAlways || spec.DNSPolicy != corev1.DNSClusterFirst || *spec.TerminationGracePeriodSeconds != 30 ||
				c.ImagePullPolicy != corev1.PullIfNotPresent || c.TerminationMessagePath != corev1.TerminationMessagePathDefault {
				t.Errorf("template not defaulted: %+v", spec)
			}
			if spec.EnableServiceLinks != nil {
				t.Error("pod-only defaults must stay out of templates")
			}
		})
	}
}

func TestPrepareForCreate(t *testing.T) {
	t.Parallel()
	rs := defaulted(func(rs *appsv1.ReplicaSet) {
		rs.Generation = 5
		rs.Status = appsv1.ReplicaSetStatus{Replicas: 3, ObservedGeneration: 5}
	})
	Resource().Strategy.PrepareForCreate(t.Context(), rs)
	if rs.Generation != 1 || !apiequality.Semantic.DeepEqual(rs.Status, appsv1.ReplicaSetStatus{}) {
		t.Errorf("generation %d status %+v, want 1 and empty", rs.Generation, rs.Status)
	}
}

func TestPrepareForUpdate(t *testing.T) {
	t.Parallel()
	old := defaulted(func(rs *appsv1.ReplicaSet) {
		rs.Generation = 2
		rs.Status = appsv1.ReplicaSetStatus{Replicas: 1, ObservedGeneration: 2}
	})
	tests := []struct {
		name       string
		mutate     func(*appsv1.ReplicaSet)
		generation int64
	}{
		{name: "no change", mutate: func(*appsv1.ReplicaSet) {}, generation: 2},
		{name: "annotations only", mutate: func(rs *appsv1.ReplicaSet) { rs.Annotations = map[string]string{"a": "b"} }, generation: 2},
		{name: "status ignored", mutate: func(rs *appsv1.ReplicaSet) { rs.Status.Replicas = 7 }, generation: 2},
		{name: "scale", mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Replicas = ptr.To[int32](3) }, generation: 3},
		{name: "template", mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Template.Spec.Containers[0].Image = "nginx:1.28" }, generation: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs := old.DeepCopy()
			tt.mutate(rs)
			s := Resource().Strategy
			s.Default(rs)
			s.PrepareForUpdate(t.Context(), rs, old)
			if rs.Generation != tt.generation || !apiequality.Semantic.DeepEqual(rs.Status, old.Status) {
				t.Errorf("generation %d status %+v, want %d and the stored status", rs.Generation, rs.Status, tt.generation)
			}
		})
	}
}

func TestStatusPrepareForUpdate(t *testing.T) {
	t.Parallel()
	old := defaulted(func(rs *appsv1.ReplicaSet) { rs.Generation = 2 })
	rs := old.DeepCopy()
	rs.Spec.Replicas = ptr.To[int32](9)
	rs.Status = appsv1.ReplicaSetStatus{Replicas: 1, ReadyReplicas: 1, ObservedGeneration: 2}
	Resource().StatusStrategy.PrepareForUpdate(t.Context(), rs, old)
	if !apiequality.Semantic.DeepEqual(rs.Spec, old.Spec) || rs.Generation != 2 || rs.Status.ReadyReplicas != 1 {
		t.Errorf("status update: spec %+v generation %d status %+v", rs.Spec, rs.Generation, rs.Status)
	}
}

func TestScale(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		mutate   func(*appsv1.ReplicaSet)
		set      int32
		selector string
	}{
		{name: "match labels", set: 5, selector: "app=web"},
		{name: "to zero", set: 0, selector: "app=web"},
		{name: "expressions", mutate: func(rs *appsv1.ReplicaSet) {
			rs.Spec.Selector.MatchExpressions = []metav1.LabelSelectorRequirement{
				{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"fe", "be"}},
			}
		}, set: 2, selector: "app=web,tier in (be,fe)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			scale := Resource().Scale
			rs := defaulted(tt.mutate)
			rs.Spec.Replicas = ptr.To[int32](3)
			rs.Status.Replicas = 2
			if spec, status, sel := scale.Get(rs); spec != 3 || status != 2 || sel != tt.selector {
				t.Errorf("Get = %d, %d, %q; want 3, 2, %q", spec, status, sel, tt.selector)
			}
			scale.Set(rs, tt.set)
			if spec, _, _ := scale.Get(rs); spec != tt.set {
				t.Errorf("after Set(%d) spec.replicas = %d", tt.set, spec)
			}
		})
	}
}
