package deployment

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestTable(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		mutate func(*appsv1.Deployment)
		cells  []any
	}{
		{
			name: "rolling out",
			mutate: func(d *appsv1.Deployment) {
				d.CreationTimestamp = metav1.NewTime(now.Add(-90 * time.Second))
				d.Spec.Replicas = ptr.To[int32](3)
				d.Status = appsv1.DeploymentStatus{Replicas: 3, ReadyReplicas: 2, UpdatedReplicas: 1, AvailableReplicas: 2}
			},
			cells: []any{"web", "2/3", int64(1), int64(2), "90s", "app", "nginx:1.27", "app=web"},
		},
		{
			name:  "new",
			cells: []any{"web", "0/1", int64(0), int64(0), "<unknown>", "app", "nginx:1.27", "app=web"},
		},
		{
			name: "expression selector",
			mutate: func(d *appsv1.Deployment) {
				d.Spec.Selector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "canary", Operator: metav1.LabelSelectorOpDoesNotExist}}
			},
			cells: []any{"web", "0/1", int64(0), int64(0), "<unknown>", "app", "nginx:1.27", "app=web,!canary"},
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
	}{{"Name", 0}, {"Ready", 0}, {"Up-to-date", 0}, {"Available", 0}, {"Age", 0}, {"Containers", 1}, {"Images", 1}, {"Selector", 1}}
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
