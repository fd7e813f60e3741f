package controllerrevision

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry/registrytest"
)

func newRevision(data string, revision int64) *appsv1.ControllerRevision {
	cr := &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: "web-7d9f", Namespace: "default"}, Revision: revision}
	if data != "" {
		cr.Data = runtime.RawExtension{Raw: []byte(data)}
	}
	return cr
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cr   *appsv1.ControllerRevision
		want []string
	}{
		{name: "valid", cr: newRevision(`{"spec":{}}`, 1)},
		{name: "revision zero", cr: newRevision(`{}`, 0)},
		{name: "no data", cr: newRevision("", 1), want: []string{"data: Required value: data is mandatory"}},
		{name: "negative revision", cr: newRevision(`{}`, -1), want: []string{"revision: Invalid value: -1: must be greater than or equal to 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			registrytest.CheckErrors(t, Resource().Strategy.Validate(t.Context(), tt.cr), tt.want...)
		})
	}
}

func TestValidateUpdate(t *testing.T) {
	t.Parallel()
	old := newRevision(`{"spec":{"a":1}}`, 1)
	tests := []struct {
		name string
		edit func(*appsv1.ControllerRevision)
		want []string
	}{
		{name: "revision may change", edit: func(cr *appsv1.ControllerRevision) { cr.Revision = 5 }},
		{name: "same JSON, other spacing", edit: func(cr *appsv1.ControllerRevision) { cr.Data.Raw = []byte(`{"spec": {"a": 1}}`) }},
		{name: "labels may change", edit: func(cr *appsv1.ControllerRevision) { cr.Labels = map[string]string{"a": "b"} }},
		{
			name: "data is immutable",
			edit: func(cr *appsv1.ControllerRevision) { cr.Data.Raw = []byte(`{"spec":{"a":2}}`) },
			want: []string{`data: Invalid value: "{\"spec\":{\"a\":2}}": field is immutable`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cr := old.DeepCopy()
			tt.edit(cr)
			registrytest.CheckErrors(t, Resource().Strategy.ValidateUpdate(t.Context(), cr, old), tt.want...)
		})
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_000_000, 0)
	owned := newRevision(`{}`, 3)
	owned.CreationTimestamp = metav1.NewTime(now.Add(-2 * time.Hour))
	owned.OwnerReferences = []metav1.OwnerReference{
		{APIVersion: "v1", Kind: "Pod", Name: "not-the-controller"},
		{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "web", Controller: ptr.To(true)},
	}
	tests := []struct {
		name  string
		cr    *appsv1.ControllerRevision
		cells []any
	}{
		{name: "owned by a statefulset", cr: owned, cells: []any{"web-7d9f", "statefulset.apps/web", int64(3), "120m"}},
		{name: "no controller", cr: newRevision(`{}`, 1), cells: []any{"web-7d9f", "<none>", int64(1), "<unknown>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tbl := Resource().Table
			cells := tbl.Row(tt.cr, now)
			if len(cells) != len(tbl.Columns) || !apiequality.Semantic.DeepEqual(cells, tt.cells) {
				t.Errorf("cells = %v, want %v", cells, tt.cells)
			}
		})
	}
}
