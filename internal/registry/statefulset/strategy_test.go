package statefulset

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestResource(t *testing.T) {
	t.Parallel()
	a, b := Resource(), Resource()
	if a == b || a.Scale == b.Scale || !a.Namespaced || a.ShortNames[0] != "sts" || a.Categories[0] != "all" || a.StatusStrategy == nil || a.Scale == nil {
		t.Errorf("unexpected resource %+v", a)
	}
	if a.GroupVersionKind().String() != "apps/v1, Kind=StatefulSet" || a.Plural != "statefulsets" || a.SelectableFields != nil {
		t.Errorf("unexpected kind %v %s", a.GroupVersionKind(), a.Plural)
	}
}

func TestPrepareForCreate(t *testing.T) {
	t.Parallel()
	sts := edited(func(sts *appsv1.StatefulSet) {
		sts.Generation = 3
		sts.Status = appsv1.StatefulSetStatus{Replicas: 1, CurrentRevision: "db-1"}
	})
	Resource().Strategy.PrepareForCreate(t.Context(), sts)
	if sts.Generation != 1 || !apiequality.Semantic.DeepEqual(sts.Status, appsv1.StatefulSetStatus{}) {
		t.Errorf("generation %d status %+v, want 1 and empty", sts.Generation, sts.Status)
	}
}

func TestPrepareForUpdate(t *testing.T) {
	t.Parallel()
	old := edited(func(sts *appsv1.StatefulSet) {
		sts.Generation = 2
		sts.Status = appsv1.StatefulSetStatus{Replicas: 1, ObservedGeneration: 2}
	})
	tests := []struct {
		name       string
		mutate     func(*appsv1.StatefulSet)
		generation int64
	}{
		{name: "no change", mutate: func(*appsv1.StatefulSet) {}, generation: 2},
		{name: "annotations only", mutate: func(sts *appsv1.StatefulSet) { sts.Annotations = map[string]string{"a": "b"} }, generation: 2},
		{name: "status ignored", mutate: func(sts *appsv1.StatefulSet) { sts.Status.Replicas = 4 }, generation: 2},
		{name: "scale", mutate: func(sts *appsv1.StatefulSet) { sts.Spec.Replicas = ptr.To[int32](3) }, generation: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sts := old.DeepCopy()
			tt.mutate(sts)
			s := Resource().Strategy
			s.Default(sts)
			s.PrepareForUpdate(t.Context(), sts, old)
			if sts.Generation != tt.generation || !apiequality.Semantic.DeepEqual(sts.Status, old.Status) {
				t.Errorf("generation %d status %+v, want %d and the stored status", sts.Generation, sts.Status, tt.generation)
			}
		})
	}
}

func TestStatusPrepareForUpdate(t *testing.T) {
	t.Parallel()
	old := edited(func(sts *appsv1.StatefulSet) { sts.Generation = 2 })
	sts := old.DeepCopy()
	sts.Spec.ServiceName = "changed"
	sts.Status = appsv1.StatefulSetStatus{Replicas: 1, ReadyReplicas: 1}
	Resource().StatusStrategy.PrepareForUpdate(t.Context(), sts, old)
	if !apiequality.Semantic.DeepEqual(sts.Spec, old.Spec) || sts.Generation != 2 || sts.Status.ReadyReplicas != 1 {
		t.Errorf("status update: spec %+v generation %d status %+v", sts.Spec, sts.Generation, sts.Status)
	}
}

func TestScale(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		set  int32
	}{
		{name: "up", set: 3},
		{name: "to zero", set: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			scale := Resource().Scale
			sts := edited(func(sts *appsv1.StatefulSet) { sts.Status.Replicas = 1 })
			if spec, status, sel := scale.Get(sts); spec != 1 || status != 1 || sel != "app=db" {
				t.Errorf("Get = %d, %d, %q; want 1, 1, app=db", spec, status, sel)
			}
			scale.Set(sts, tt.set)
			if *sts.Spec.Replicas != tt.set {
				t.Errorf("after Set(%d) spec.replicas = %d", tt.set, *sts.Spec.Replicas)
			}
		})
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		mutate func(*appsv1.StatefulSet)
		cells  []any
	}{
		{
			name: "ready",
			mutate: func(sts *appsv1.StatefulSet) {
				sts.CreationTimestamp = metav1.NewTime(now.Add(-3 * 24 * time.Hour))
				sts.Spec.Replicas = ptr.To[int32](3)
				sts.Status = appsv1.StatefulSetStatus{Replicas: 3, ReadyReplicas: 2}
			},
			cells: []any{"db", "2/3", "3d", "db", "postgres:17"},
		},
		{
			name: "sidecar",
			mutate: func(sts *appsv1.StatefulSet) {
				sts.Spec.Template.Spec.Containers = append(sts.Spec.Template.Spec.Containers, corev1.Container{Name: "backup", Image: "restic"})
			},
			cells: []any{"db", "0/1", "<unknown>", "db,backup", "postgres:17,restic"},
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
	want := []string{"Name", "Ready", "Age", "Containers", "Images"}
	for i, c := range Resource().Table.Columns {
		if c.Name != want[i] || (c.Priority == 1) != (i >= 3) || c.Description == "" {
			t.Errorf("column %d = %+v, want %s", i, c, want[i])
		}
	}
}
