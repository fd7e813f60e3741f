package poddisruptionbudget

import (
	"testing"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func TestTable(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	created := metav1.NewTime(now.Add(-5 * time.Minute))
	tests := []struct {
		name  string
		spec  policyv1.PodDisruptionBudgetSpec
		when  metav1.Time
		cells []any
	}{
		{
			name:  "min available",
			spec:  policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromInt32(2))},
			when:  created,
			cells: []any{"web", "2", "N/A", int64(1), "5m"},
		},
		{
			name:  "max unavailable percent",
			spec:  policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromString("25%"))},
			when:  created,
			cells: []any{"web", "N/A", "25%", int64(1), "5m"},
		},
		{name: "neither, no creation time", cells: []any{"web", "N/A", "N/A", int64(1), "<unknown>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tbl := Resource().Table
			pdb := &policyv1.PodDisruptionBudget{
				ObjectMeta: metav1.ObjectMeta{Name: "web", CreationTimestamp: tt.when},
				Spec:       tt.spec,
				Status:     policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 1},
			}
			cells := tbl.Row(pdb, now)
			if len(cells) != len(tbl.Columns) || !apiequality.Semantic.DeepEqual(cells, tt.cells) {
				t.Errorf("cells = %#v, want %#v", cells, tt.cells)
			}
		})
	}
}

func TestTableColumns(t *testing.T) {
	t.Parallel()
	want := []string{"Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"}
	cols := Resource().Table.Columns
	if len(cols) != len(want) {
		t.Fatalf("%d columns, want %d", len(cols), len(want))
	}
	for i, c := range cols {
		if c.Name != want[i] || c.Priority != 0 || c.Description == "" {
			t.Errorf("column %d = %+v, want %s with a description", i, c, want[i])
		}
	}
	if cols[0].Format != "name" || cols[3].Type != "integer" {
		t.Errorf("column formats: %+v", cols)
	}
}
