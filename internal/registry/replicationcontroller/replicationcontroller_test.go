package replicationcontroller

import (
	"testing"
	"time"

	"github.com/evictd/evictd/internal/registry/registrytest"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestResource(t *testing.T) {
	t.Parallel()
	a, b := Resource(), Resource()
	if a == b || a.Scale == b.Scale || !a.Namespaced || a.ShortNames[0] != "rc" || a.Categories[0] != "all" || a.StatusStrategy == nil || a.Scale == nil {
		t.Errorf("unexpected resource %+v", a)
	}
	if a.GroupVersionKind().String() != "/v1, Kind=ReplicationController" || a.Plural != "replicationcontrollers" {
		t.Errorf("unexpected kind %v %s", a.GroupVersionKind(), a.Plural)
	}
	if _, ok := a.SelectableFields(a.New())["status.replicas"]; !ok {
		t.Error("status.replicas must be selectable on an empty object")
	}
}

func TestDefault(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		mutate   func(*corev1.ReplicationController)
		selector map[string]string
		labels   map[string]string
		replicas int32
	}{
		{name: "from template", selector: map[string]string{"app": "web"}, labels: map[string]string{"app": "web"}, replicas: 1},
		{
			name: "set values kept",
			mutate: func(rc *corev1.ReplicationController) {
				rc.Spec.Selector = map[string]string{"app": "web"}
				rc.Labels = map[string]string{"team": "a"}
				rc.Spec.Template.Labels["tier"] = "fe"
				rc.Spec.Replicas = ptr.To[int32](0)
			},
			selector: map[string]string{"app": "web"}, labels: map[string]string{"team": "a"}, replicas: 0,
		},
		{
			name:     "no template",
			mutate:   func(rc *corev1.ReplicationController) { rc.Spec.Template = nil },
			replicas: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rc := defaulted(tt.mutate)
			if !apiequality.Semantic.DeepEqual(rc.Spec.Selector, tt.selector) || !apiequality.Semantic.DeepEqual(rc.Labels, tt.labels) || *rc.Spec.Replicas != tt.replicas {
				t.Errorf("selector %v labels %v replicas %d", rc.Spec.Selector, rc.Labels, *rc.Spec.Replicas)
			}
			if rc.Spec.Template != nil && rc.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
				t.Errorf("template not defaulted: %+v", rc.Spec.Template.Spec)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*corev1.ReplicationController)
		want   []string
	}{
		{name: "minimal"},
		{name: "selector changed with template", mutate: func(rc *corev1.ReplicationController) {
			rc.Spec.Selector = map[string]string{"app": "api"}
			rc.Spec.Template.Labels = map[string]string{"app": "api"}
		}},
		{
			name:   "no selector",
			mutate: func(rc *corev1.ReplicationController) { rc.Spec.Selector = nil },
			want:   []string{"spec.selector: Required value"},
		},
		{
			name:   "no template",
			mutate: func(rc *corev1.ReplicationController) { rc.Spec.Template = nil },
			want:   []string{"spec.template: Required value"},
		},
		{
			name: "negative replicas and min ready",
			mutate: func(rc *corev1.ReplicationController) {
				rc.Spec.Replicas = ptr.To[int32](-1)
				rc.Spec.MinReadySeconds = -1
			},
			want: []string{
				"spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0",
				"spec.replicas: Invalid value: -1: must be greater than or equal to 0",
			},
		},
		{
			name:   "selector does not match",
			mutate: func(rc *corev1.ReplicationController) { rc.Spec.Selector = map[string]string{"app": "api"} },
			want:   []string{"spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`"},
		},
		{
			name: "restart never",
			mutate: func(rc *corev1.ReplicationController) {
				rc.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
			},
			want: []string{`spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`},
		},
		{
			name:   "active deadline",
			mutate: func(rc *corev1.ReplicationController) { rc.Spec.Template.Spec.ActiveDeadlineSeconds = ptr.To[int64](5) },
			want:   []string{"spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicationController is not Supported"},
		},
		{
			name:   "no containers",
			mutate: func(rc *corev1.ReplicationController) { rc.Spec.Template.Spec.Containers = nil },
			want:   []string{"spec.template.spec.containers: Required value"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rc := edited(tt.mutate)
			s := Resource().Strategy
			registrytest.CheckErrors(t, s.Validate(t.Context(), rc), tt.want...)
			registrytest.CheckErrors(t, s.ValidateUpdate(t.Context(), rc, defaulted(nil)), tt.want...)
		})
	}
}

func TestPrepareForCreateAndUpdate(t *testing.T) {
	t.Parallel()
	created := edited(func(rc *corev1.ReplicationController) {
		rc.Generation = 9
		rc.Status = corev1.ReplicationControllerStatus{Replicas: 2}
	})
	s := Resource().Strategy
	s.PrepareForCreate(t.Context(), created)
	if created.Generation != 1 || !apiequality.Semantic.DeepEqual(created.Status, corev1.ReplicationControllerStatus{}) {
		t.Fatalf("created: generation %d status %+v", created.Generation, created.Status)
	}
	old := created.DeepCopy()
	old.Status.Replicas = 1
	tests := []struct {
		name       string
		mutate     func(*corev1.ReplicationController)
		generation int64
	}{
		{name: "status ignored", mutate: func(rc *corev1.ReplicationController) { rc.Status.Replicas = 5 }, generation: 1},
		{name: "scale", mutate: func(rc *corev1.ReplicationController) { rc.Spec.Replicas = ptr.To[int32](2) }, generation: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rc := old.DeepCopy()
			tt.mutate(rc)
			s.PrepareForUpdate(t.Context(), rc, old)
			if rc.Generation != tt.generation || rc.Status.Replicas != 1 {
				t.Errorf("generation %d status %+v, want %d and the stored status", rc.Generation, rc.Status, tt.generation)
			}
		})
	}
}

func TestStatusUpdate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status corev1.ReplicationControllerStatus
		want   []string
	}{
		{name: "running", status: corev1.ReplicationControllerStatus{Replicas: 2, FullyLabeledReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 1, ObservedGeneration: 1}},
		{name: "negative generation", status: corev1.ReplicationControllerStatus{ObservedGeneration: -1}, want: []string{
			"status.observedGeneration: Invalid value: -1: must be greater than or equal to 0",
		}},
		{name: "available over ready", status: corev1.ReplicationControllerStatus{Replicas: 2, ReadyReplicas: 1, AvailableReplicas: 2}, want: []string{
			"status.availableReplicas: Invalid value: 2: cannot be greater than readyReplicas",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Resource().StatusStrategy
			old := defaulted(nil)
			rc := old.DeepCopy()
			rc.Spec.Replicas = ptr.To[int32](7)
			rc.Status = tt.status
			s.PrepareForUpdate(t.Context(), rc, old)
			if !apiequality.Semantic.DeepEqual(rc.Spec, old.Spec) {
				t.Errorf("status update changed spec: %+v", rc.Spec)
			}
			registrytest.CheckErrors(t, s.ValidateUpdate(t.Context(), rc, old), tt.want...)
		})
	}
}

func TestScale(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		selector map[string]string
		want     string
	}{
		{name: "one label", selector: map[string]string{"app": "web"}, want: "app=web"},
		{name: "two labels, sorted", selector: map[string]string{"tier": "fe", "app": "web"}, want: "app=web,tier=fe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			scale := Resource().Scale
			rc := edited(func(rc *corev1.ReplicationController) {
				rc.Spec.Selector = tt.selector
				rc.Status.Replicas = 1
			})
			if spec, status, sel := scale.Get(rc); spec != 1 || status != 1 || sel != tt.want {
				t.Errorf("Get = %d, %d, %q; want 1, 1, %q", spec, status, sel, tt.want)
			}
			scale.Set(rc, 4)
			if *rc.Spec.Replicas != 4 {
				t.Errorf("after Set(4) spec.replicas = %d", *rc.Spec.Replicas)
			}
		})
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		mutate func(*corev1.ReplicationController)
		cells  []any
	}{
		{
			name: "running",
			mutate: func(rc *corev1.ReplicationController) {
				rc.CreationTimestamp = metav1.NewTime(now.Add(-30 * time.Second))
				rc.Status = corev1.ReplicationControllerStatus{Replicas: 1, ReadyReplicas: 1}
			},
			cells: []any{"web", int64(1), int64(1), int64(1), "30s", "app", "nginx:1.27", "app=web"},
		},
		{
			name:   "no template",
			mutate: func(rc *corev1.ReplicationController) { rc.Spec.Template = nil; rc.Spec.Selector = nil },
			cells:  []any{"web", int64(1), int64(0), int64(0), "<unknown>", "", "", "<none>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tbl := Resource().Table
			cells := tbl.Row(edited(tt.mutate), now)
			if len(cells) != len(tbl.Columns) || !apiequality.Semantic.DeepEqual(cells, tt.cells) {
				t.Errorf("cells = %#v, want %#v", cells, tt.cells)
			}
		})
	}
	want := []string{"Name", "Desired", "Current", "Ready", "Age", "Containers", "Images", "Selector"}
	for i, c := range Resource().Table.Columns {
		if c.Name != want[i] || (c.Priority == 1) != (i >= 5) || c.Description == "" {
			t.Errorf("column %d = %+v, want %s", i, c, want[i])
		}
	}
}
