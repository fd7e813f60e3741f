package node

import "testing"

func TestResource(t *testing.T) {
	t.Parallel()
	r := Resource()
	if r.GroupVersionResource().String() != "/v1, Resource=nodes" || r.Kind != "Node" || r.ListKind != "NodeList" ||
		r.Singular != "node" || r.Namespaced || len(r.ShortNames) != 1 || r.ShortNames[0] != "no" || len(r.Categories) != 0 {
		t.Errorf("unexpected description: %+v", r)
	}
	if r.StatusStrategy == nil || r.Table == nil || r.SelectableFields == nil {
		t.Error("status strategy, table and selectable fields must be set")
	}
	if Resource() == r {
		t.Error("Resource must return a fresh description")
	}
}
