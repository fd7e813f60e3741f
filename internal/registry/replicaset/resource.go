// Package replicaset describes apps/v1 ReplicaSets: defaults, validation,
// the status and scale subresources, field selectors and the `kubectl get`
// table. The rules follow kube-apiserver's pkg/registry/apps/replicaset,
// pkg/apis/apps/v1 defaults and pkg/apis/apps/validation; the pod template
// is defaulted and checked with the pod package's rules.
package replicaset

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry"
)

// Resource returns a fresh description of apps/v1 replicasets.
func Resource() *registry.Resource {
	return &registry.Resource{
		GroupVersion:     appsv1.SchemeGroupVersion,
		Plural:           "replicasets",
		Singular:         "replicaset",
		Kind:             "ReplicaSet",
		ListKind:         "ReplicaSetList",
		ShortNames:       []string{"rs"},
		Categories:       []string{"all"},
		Namespaced:       true,
		New:              func() runtime.Object { return &appsv1.ReplicaSet{} },
		NewList:          func() runtime.Object { return &appsv1.ReplicaSetList{} },
		Strategy:         strategy{},
		StatusStrategy:   statusStrategy{},
		Scale:            &registry.Scale{Get: getScale, Set: setScale},
		Table:            table(),
		SelectableFields: selectableFields,
	}
}

var (
	_ registry.Strategy = strategy{}
	_ registry.Strategy = statusStrategy{}
)

// selectableFields are upstream's ReplicaSet field labels beyond metadata.
func selectableFields(obj runtime.Object) fields.Set {
	rs := obj.(*appsv1.ReplicaSet)
	return fields.Set{"status.replicas": strconv.Itoa(int(rs.Status.Replicas))}
}

// getScale reads the scale subresource: desired and current replicas and
// the pod selector in its string form.
func getScale(obj runtime.Object) (specReplicas, statusReplicas int32, selector string) {
	rs := obj.(*appsv1.ReplicaSet)
	return ptr.Deref(rs.Spec.Replicas, 0), rs.Status.Replicas, metav1.FormatLabelSelector(rs.Spec.Selector)
}

// setScale writes spec.replicas.
func setScale(obj runtime.Object, replicas int32) {
	obj.(*appsv1.ReplicaSet).Spec.Replicas = &replicas
}
