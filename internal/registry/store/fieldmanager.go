package store

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/scheme"
)

// newFieldManager builds the managedFields tracker of res (or of its status
// subresource). Fields a request to this endpoint may not change are reset
// before apply, as upstream does: status for the main resource, spec for
// /status.
func newFieldManager(res *registry.Resource, tc managedfields.TypeConverter, subresource string) (*managedfields.FieldManager, error) {
	gv := res.GroupVersion.String()
	var reset map[fieldpath.APIVersion]*fieldpath.Set
	if res.StatusStrategy != nil {
		if subresource == "" {
			reset = map[fieldpath.APIVersion]*fieldpath.Set{
				fieldpath.APIVersion(gv): fieldpath.NewSet(fieldpath.MakePathOrDie("status")),
			}
		} else {
			reset = map[fieldpath.APIVersion]*fieldpath.Set{
				fieldpath.APIVersion(gv): fieldpath.NewSet(fieldpath.MakePathOrDie("spec")),
			}
		}
	}
	filters := map[fieldpath.APIVersion]fieldpath.Filter{}
	for v, set := range reset {
		filters[v] = fieldpath.NewExcludeSetFilter(set)
	}
	return managedfields.NewDefaultFieldManager(tc, scheme.Scheme, defaulter{res}, scheme.Scheme,
		res.GroupVersionKind(), res.GroupVersion, subresource, filters)
}

// defaulter applies the resource's defaults to objects the field manager
// builds from an apply configuration.
type defaulter struct{ res *registry.Resource }

func (d defaulter) Default(obj runtime.Object) { d.res.Strategy.Default(obj) }
