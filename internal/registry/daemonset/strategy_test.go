package daemonset

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

const generationKey = appsv1.DeprecatedTemplateGeneration

func TestResource(t *testing.T) {
	t.Parallel()
	a, b := Resource(), Resource()
	if a == b || !a.Namespaced || a.ShortNames[0] != "ds" || a.Categories[0] != "all" || a.StatusStrategy == nil || a.Scale != nil {
		t.Errorf("unexpected resource %+v", a)
	}
	if a.GroupVersionKind().String() != "apps/v1, Kind=DaemonSet" || a.Plural != "daemonsets" || a.SelectableFields != nil {
		t.Errorf("unexpected kind %v %s", a.GroupVersionKind(), a.Plural)
	}
}

func TestDefault(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		strategy appsv1.DaemonSetUpdateStrategy
		want     appsv1.DaemonSetUpdateStrategy
	}{
		{
			name: "unset",
			want: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType, RollingUpdate: &appsv1.RollingUpdateDaemonSet{
				MaxUnavailable: ptr.To(intstr.FromInt32(1)), MaxSurge: ptr.To(intstr.FromInt32(0)),
			}},
		},
		{
			name: "surge kept",
			strategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType, RollingUpdate: &appsv1.RollingUpdateDaemonSet{
				MaxSurge: ptr.To(intstr.FromString("10%")),
			}},
			want: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType, RollingUpdate: &appsv1.RollingUpdateDaemonSet{
				MaxUnavailable: ptr.To(intstr.FromInt32(1)), MaxSurge: ptr.To(intstr.FromString("10%")),
			}},
		},
		{
			name:     "on delete",
			strategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType},
			want:     appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ds := defaulted(func(ds *appsv1.DaemonSet) { ds.Spec.UpdateStrategy = tt.strategy })
			if !apiequality.Semantic.DeepEqual(ds.Spec.UpdateStrategy, tt.want) || *ds.Spec.RevisionHistoryLimit != 10 {
				t.Errorf("strategy %+v history %d", ds.Spec.UpdateStrategy, *ds.Spec.RevisionHistoryLimit)
			}
			if ds.Spec.Template.Spec.DNSPolicy == "" {
				t.Error("template not defaulted")
			}
		})
	}
}

func TestPrepareForCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		value string
		want  string
	}{
		{name: "no annotation", want: "1"},
		{name: "higher value kept", value: "4", want: "4"},
		{name: "zero raised", value: "0", want: "1"},
		{name: "garbage reset", value: "x", want: "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ds := edited(func(ds *appsv1.DaemonSet) {
				ds.Generation = 3
				ds.Status = appsv1.DaemonSetStatus{NumberReady: 1}
				if tt.value != "" {
					ds.Annotations = map[string]string{generationKey: tt.value}
				}
			})
			Resource().Strategy.PrepareForCreate(t.Context(), ds)
			if ds.Generation != 1 || !apiequality.Semantic.DeepEqual(ds.Status, appsv1.DaemonSetStatus{}) || ds.Annotations[generationKey] != tt.want {
				t.Errorf("generation %d status %+v template generation %q, want 1, empty, %q", ds.Generation, ds.Status, ds.Annotations[generationKey], tt.want)
			}
		})
	}
}

func TestPrepareForUpdate(t *testing.T) {
	t.Parallel()
	old := edited(func(ds *appsv1.DaemonSet) {
		ds.Generation = 2
		ds.Annotations = map[string]string{generationKey: "2"}
		ds.Status = appsv1.DaemonSetStatus{NumberReady: 3}
	})
	tests := []struct {
		name               string
		mutate             func(*appsv1.DaemonSet)
		generation         int64
		templateGeneration string
	}{
		{name: "no change", mutate: func(*appsv1.DaemonSet) {}, generation: 2, templateGeneration: "2"},
		{name: "annotation edited back", mutate: func(ds *appsv1.DaemonSet) { ds.Annotations[generationKey] = "9" }, generation: 2, templateGeneration: "2"},
		{name: "annotation removed", mutate: func(ds *appsv1.DaemonSet) { ds.Annotations = nil }, generation: 2, templateGeneration: "2"},
		{name: "min ready", mutate: func(ds *appsv1.DaemonSet) { ds.Spec.MinReadySeconds = 5 }, generation: 3, templateGeneration: "2"},
		{name: "template", mutate: func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.Containers[0].Image = "fluent-bit:4" }, generation: 3, templateGeneration: "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ds := old.DeepCopy()
			tt.mutate(ds)
			s := Resource().Strategy
			s.Default(ds)
			s.PrepareForUpdate(t.Context(), ds, old)
			if ds.Generation != tt.generation || ds.Annotations[generationKey] != tt.templateGeneration || ds.Status.NumberReady != 3 {
				t.Errorf("generation %d template generation %q status %+v, want %d and %q and the stored status",
					ds.Generation, ds.Annotations[generationKey], ds.Status, tt.generation, tt.templateGeneration)
			}
		})
	}
}

func TestStatusPrepareForUpdate(t *testing.T) {
	t.Parallel()
	old := edited(func(ds *appsv1.DaemonSet) {
		ds.Generation = 2
		ds.Annotations = map[string]string{generationKey: "2"}
	})
	ds := old.DeepCopy()
	ds.Spec.MinReadySeconds = 9
	ds.Annotations[generationKey] = "7"
	ds.Status = appsv1.DaemonSetStatus{NumberReady: 1}
	Resource().StatusStrategy.PrepareForUpdate(t.Context(), ds, old)
	if !apiequality.Semantic.DeepEqual(ds.Spec, old.Spec) || ds.Annotations[generationKey] != "2" || ds.Status.NumberReady != 1 {
		t.Errorf("status update: spec %+v annotations %v status %+v", ds.Spec, ds.Annotations, ds.Status)
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		mutate func(*appsv1.DaemonSet)
		cells  []any
	}{
		{
			name: "linux nodes",
			mutate: func(ds *appsv1.DaemonSet) {
				ds.CreationTimestamp = metav1.NewTime(now.Add(-10 * time.Minute))
				ds.Spec.Template.Spec.NodeSelector = map[string]string{"kubernetes.io/os": "linux"}
				ds.Status = appsv1.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 2, UpdatedNumberScheduled: 1, NumberAvailable: 2}
			},
			cells: []any{"agent", int64(3), int64(3), int64(2), int64(1), int64(2), "kubernetes.io/os=linux", "10m", "agent", "fluent-bit:3", "app=agent"},
		},
		{
			name:  "every node",
			cells: []any{"agent", int64(0), int64(0), int64(0), int64(0), int64(0), "<none>", "<unknown>", "agent", "fluent-bit:3", "app=agent"},
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
	want := []string{"Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age", "Containers", "Images", "Selector"}
	for i, c := range Resource().Table.Columns {
		if c.Name != want[i] || (c.Priority == 1) != (i >= 8) || c.Description == "" {
			t.Errorf("column %d = %+v, want %s", i, c, want[i])
		}
	}
}
