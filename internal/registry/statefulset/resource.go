// Package statefulset describes apps/v1 StatefulSets: defaults, validation
// (including which spec fields an update may change), the status and scale
// subresources and the `kubectl get` table. The rules follow
// kube-apiserver's pkg/registry/apps/statefulset, pkg/apis/apps/v1 defaults
// and pkg/apis/apps/validation.
package statefulset

import (
	appsv1 "k8s.io/api/apps/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry"
)

// Resource returns a fresh description of apps/v1 statefulsets. Their
// names must be DNS labels, since each pod's hostname is <name>-<ordinal>.
// Upstream offers no field selectors beyond metadata for them.
func Resource() *registry.Resource {
	return &registry.Resource{
		GroupVersion:   appsv1.SchemeGroupVersion,
		Plural:         "statefulsets",
		Singular:       "statefulset",
		Kind:           "StatefulSet",
		ListKind:       "StatefulSetList",
		ShortNames:     []string{"sts"},
		Categories:     []string{"all"},
		Namespaced:     true,
		ValidateName:   apimachineryvalidation.NameIsDNSLabel,
		New:            func() runtime.Object { return &appsv1.StatefulSet{} },
		NewList:        func() runtime.Object { return &appsv1.StatefulSetList{} },
		Strategy:       strategy{},
		StatusStrategy: statusStrategy{},
		Scale:          &registry.Scale{Get: getScale, Set: setScale},
		Table:          table(),
	}
}

var (
	_ registry.Strategy = strategy{}
	_ registry.Strategy = statusStrategy{}
)

// getScale reads the scale subresource: desired and current replicas and
// the pod selector in its string form.
func getScale(obj runtime.Object) (specReplicas, statusReplicas int32, selector string) {
	sts := obj.(*appsv1.StatefulSet)
	return ptr.Deref(sts.Spec.Replicas, 0), sts.Status.Replicas, metav1.FormatLabelSelector(sts.Spec.Selector)
}

// setScale writes spec.replicas.
func setScale(obj runtime.Object, replicas int32) {
	obj.(*appsv1.StatefulSet).Spec.Replicas = &replicas
}
