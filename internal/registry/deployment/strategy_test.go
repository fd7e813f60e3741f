package deployment

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/utils/ptr"
)

func TestResource(t *testing.T) {
	t.Parallel()
	a, b := Resource(), Resource()
	if a == b || a.Scale == b.Scale || !a.Namespaced || a.ShortNames[0] != "deploy" || a.Categories[0] != "all" || a.StatusStrategy == nil || a.Scale == nil {
		t.Errorf("unexpected resource %+v", a)
	}
	if a.GroupVersionKind().String() != "apps/v1, Kind=Deployment" || a.Plural != "deployments" || a.SelectableFields != nil {
		t.Errorf("unexpected kind %v %s", a.GroupVersionKind(), a.Plural)
	}
}

func TestPrepareForCreate(t *testing.T) {
	t.Parallel()
	d := defaulted(func(d *appsv1.Deployment) {
		d.Generation = 4
		d.Status = appsv1.DeploymentStatus{Replicas: 3, ObservedGeneration: 4}
	})
	Resource().Strategy.PrepareForCreate(t.Context(), d)
	if d.Generation != 1 || !apiequality.Semantic.DeepEqual(d.Status, appsv1.DeploymentStatus{}) {
		t.Errorf("generation %d status %+v, want 1 and empty", d.Generation, d.Status)
	}
}

func TestPrepareForUpdate(t *testing.T) {
	t.Parallel()
	old := defaulted(func(d *appsv1.Deployment) {
		d.Generation = 2
		d.Annotations = map[string]string{"deployment.kubernetes.io/revision": "1"}
		d.Status = appsv1.DeploymentStatus{Replicas: 1, ObservedGeneration: 2}
	})
	tests := []struct {
		name       string
		mutate     func(*appsv1.Deployment)
		generation int64
	}{
		{name: "no change", mutate: func(*appsv1.Deployment) {}, generation: 2},
		{name: "labels only", mutate: func(d *appsv1.Deployment) { d.Labels = map[string]string{"team": "a"} }, generation: 2},
		{name: "status ignored", mutate: func(d *appsv1.Deployment) { d.Status.Replicas = 5 }, generation: 2},
		{name: "revision annotation", mutate: func(d *appsv1.Deployment) {
			d.Annotations = map[string]string{"deployment.kubernetes.io/revision": "2"}
		}, generation: 3},
		{name: "scale", mutate: func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.To[int32](2) }, generation: 3},
		{name: "rollout", mutate: func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "nginx:1.28" }, generation: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := old.DeepCopy()
			tt.mutate(d)
			s := Resource().Strategy
			s.Default(d)
			s.PrepareForUpdate(t.Context(), d, old)
			if d.Generation != tt.generation || !apiequality.Semantic.DeepEqual(d.Status, old.Status) {
				t.Errorf("generation %d status %+v, want %d and the stored status", d.Generation, d.Status, tt.generation)
			}
		})
	}
}

func TestStatusPrepareForUpdate(t *testing.T) {
	t.Parallel()
	old := defaulted(func(d *appsv1.Deployment) {
		d.Generation = 2
		d.Labels = map[string]string{"app": "web"}
	})
	d := old.DeepCopy()
	d.Spec.Paused = true
	d.Labels = map[string]string{"app": "other"}
	d.Annotations = map[string]string{"note": "x"}
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 1}
	Resource().StatusStrategy.PrepareForUpdate(t.Context(), d, old)
	if !apiequality.Semantic.DeepEqual(d.Spec, old.Spec) || d.Labels["app"] != "web" || d.Generation != 2 {
		t.Errorf("status update changed spec, labels or generation: %+v %v %d", d.Spec, d.Labels, d.Generation)
	}
	if d.Annotations["note"] != "x" || d.Status.Replicas != 1 {
		t.Errorf("status update lost annotations or status: %v %+v", d.Annotations, d.Status)
	}
}

func TestScale(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		set  int32
	}{
		{name: "up", set: 10},
		{name: "to zero", set: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			scale := Resource().Scale
			d := defaulted(func(d *appsv1.Deployment) { d.Status.Replicas = 1 })
			if spec, status, sel := scale.Get(d); spec != 1 || status != 1 || sel != "app=web" {
				t.Errorf("Get = %d, %d, %q; want 1, 1, app=web", spec, status, sel)
			}
			scale.Set(d, tt.set)
			if *d.Spec.Replicas != tt.set {
				t.Errorf("after Set(%d) spec.replicas = %d", tt.set, *d.Spec.Replicas)
			}
		})
	}
}
