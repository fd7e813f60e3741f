package lease

import (
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		spec coordinationv1.LeaseSpec
		want string
	}{
		{name: "empty"},
		{name: "node heartbeat", spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("n1"), LeaseDurationSeconds: ptr.To[int32](40), LeaseTransitions: ptr.To[int32](0)}},
		{name: "zero duration", spec: coordinationv1.LeaseSpec{LeaseDurationSeconds: ptr.To[int32](0)}, want: "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"},
		{name: "negative transitions", spec: coordinationv1.LeaseSpec{LeaseTransitions: ptr.To[int32](-1)}, want: "spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0"},
		{name: "known strategy", spec: coordinationv1.LeaseSpec{Strategy: ptr.To(coordinationv1.OldestEmulationVersion), PreferredHolder: ptr.To("a")}},
		{name: "qualified strategy", spec: coordinationv1.LeaseSpec{Strategy: ptr.To(coordinationv1.CoordinatedLeaseStrategy("example.com/mine"))}},
		{name: "unknown strategy", spec: coordinationv1.LeaseSpec{Strategy: ptr.To(coordinationv1.CoordinatedLeaseStrategy("Newest"))}, want: `spec.strategy: Unsupported value: "Newest": supported values: "OldestEmulationVersion"`},
		{name: "preferred holder without strategy", spec: coordinationv1.LeaseSpec{PreferredHolder: ptr.To("a")}, want: "spec.preferredHolder: Forbidden: may only be specified if `strategy` is defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Resource().Strategy
			l := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "n1", Namespace: "kube-node-lease"}, Spec: tt.spec}
			checkErrors(t, "create", s.Validate(t.Context(), l), tt.want)
			checkErrors(t, "update", s.ValidateUpdate(t.Context(), l, l.DeepCopy()), tt.want)
		})
	}
}

// checkErrors compares an error list with one expected message ("" = none).
func checkErrors(t *testing.T, op string, errs field.ErrorList, want string) {
	t.Helper()
	switch {
	case want == "" && len(errs) > 0:
		t.Errorf("%s: unexpected errors: %v", op, errs)
	case want != "" && (len(errs) != 1 || errs[0].Error() != want):
		t.Errorf("%s: errors = %v, want %q", op, errs, want)
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	now := time.Unix(100_000, 0)
	tests := []struct {
		name  string
		lease coordinationv1.Lease
		cells []any
	}{
		{
			name:  "held",
			lease: coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "n1", CreationTimestamp: metav1.NewTime(now.Add(-3 * time.Hour))}, Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("n1")}},
			cells: []any{"n1", "n1", "3h"},
		},
		{
			name:  "unheld",
			lease: coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "lock", CreationTimestamp: metav1.NewTime(now.Add(-5 * time.Minute))}},
			cells: []any{"lock", "", "5m"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tbl := Resource().Table
			cells := tbl.Row(&tt.lease, now)
			if len(cells) != len(tbl.Columns) || !apiequality.Semantic.DeepEqual(cells, tt.cells) {
				t.Errorf("cells = %v, want %v", cells, tt.cells)
			}
		})
	}
}
