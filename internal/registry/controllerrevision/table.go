package controllerrevision

import (
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	appsv1beta1 "k8s.io/api/apps/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/evictd/evictd/internal/registry"
)

// table is kube-apiserver's revision table (printControllerRevision).
// Revision is typed "string" upstream although its cells are integers.
func table() *registry.Table {
	return &registry.Table{
		Columns: []metav1.TableColumnDefinition{
			{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
			{Name: "Controller", Type: "string", Description: "Controller of the object"},
			{Name: "Revision", Type: "string", Description: appsv1beta1.ControllerRevision{}.SwaggerDoc()["revision"]},
			registry.AgeColumn,
		},
		Row: func(obj runtime.Object, now time.Time) []any {
			cr := obj.(*appsv1.ControllerRevision)
			return []any{cr.Name, controller(cr), cr.Revision, registry.Age(cr.CreationTimestamp, now)}
		},
	}
}

// controller names the owner with controller=true as kind.group/name in
// lower case (statefulset.apps/web), or <none>.
func controller(cr *appsv1.ControllerRevision) string {
	ref := metav1.GetControllerOf(cr)
	if ref == nil {
		return "<none>"
	}
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		// Upstream fails the whole table; one unreadable owner should
		// not hide the other rows, so the name alone stands in.
		return ref.Name
	}
	return strings.ToLower(gv.WithKind(ref.Kind).GroupKind().String()) + "/" + ref.Name
}
