// Package deployment describes apps/v1 Deployments: defaults, validation,
// the status and scale subresources and the `kubectl get` table. The rules
// follow kube-apiserver's pkg/registry/apps/deployment, pkg/apis/apps/v1
// defaults and pkg/apis/apps/validation; the pod template is defaulted and
// checked with the pod package's rules.
package deployment

import (
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry"
)

// Resource returns a fresh description of apps/v1 deployments. Upstream
// offers no field selectors beyond metadata for them.
func Resource() *registry.Resource {
	return &registry.Resource{
		GroupVersion:   appsv1.SchemeGroupVersion,
		Plural:         "deployments",
		Singular:       "deployment",
		Kind:           "Deployment",
		ListKind:       "DeploymentList",
		ShortNames:     []string{"deploy"},
		Categories:     []string{"all"},
		Namespaced:     true,
		New:            func() runtime.Object { return &appsv1.Deployment{} },
		NewList:        func() runtime.Object { return &appsv1.DeploymentList{} },
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
	d := obj.(*appsv1.Deployment)
	return ptr.Deref(d.Spec.Replicas, 0), d.Status.Replicas, metav1.FormatLabelSelector(d.Spec.Selector)
}

// setScale writes spec.replicas.
func setScale(obj runtime.Object, replicas int32) {
	obj.(*appsv1.Deployment).Spec.Replicas = &replicas
}
