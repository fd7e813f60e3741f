package replicaset

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestTable(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		mutate func(*appsv1.ReplicaSet)
		cells  []any
	}{
		{
			name: "running",
			mutate: func(rs *appsv1.ReplicaSet) {
				rs.CreationTimestamp = metav1.NewTime(now.Add(-2 * time.Hour))
				rs.Status = appsv1.ReplicaSetStatus{Replicas: 1, ReadyReplicas: 1}
			},
			cells: []any{"web-5d4f", int64(1), int64(1), int64(1), "120m", "app", "nginx:1.27", "app=web"},
		},
		{
			name: "two containers, no creation time",
			mutate: func(rs *appsv1.ReplicaSet) {
				rs.Spec.Template.Spec.Containers = append(rs.Spec.Template.Spec.Containers, corev1.Container{Name: "sidecar", Image: "envoy"})
			},
			cells: []any{"web-5d4f", int64(1), int64(0), int64(0), "<unknown>", "app,sidecar", "nginx:1.27,envoy", "app=web"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tbl := Resource().Table
			cells := tbl.Row(defaulted(tt.mutate), now)
			if len(cells) != len(tbl.Columns) || !apiequality.Semantic.DeepEqual(cells, tt.cells) {
				t.Errorf("cells = %#v, want %#v", cells, tt.cells)
			}
		})
	}
}

func TestTableColumns(t *testing.T) {
	t.Parallel()
	want := []struct {
		name     string
		priority int32
	}{{"Name", 0}, {"Desired", 0}, {"Current", 0}, {"Ready", 0}, {"Age", 0}, {"Containers", 1}, {"Images", 1}, {"Selector", 1}}
	cols := Resource().Table.Columns
	if len(cols) != len(want) {
		t.Fatalf("%d columns, want %d", len(cols), len(want))
	}
	for i, w := range want {
		if c := cols[i]; c.Name != w.name || c.Priority != w.priority || c.Description == "" {
			t.Errorf("column %d = %+v, want %+v with a description", i, c, w)
		}
	}
}

func TestSelectableFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		replicas int32
		want     string
	}{
		{name: "none", want: "0"},
		{name: "three", replicas: 3, want: "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs := &appsv1.ReplicaSet{Status: appsv1.ReplicaSetStatus{Replicas: tt.replicas}}
			if got := Resource().SelectableFields(rs)["status.replicas"]; got != tt.want {
				t.Errorf("status.replicas = %q, want %q", got, tt.want)
			}
		})
	}
}
