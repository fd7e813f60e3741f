// Package pod describes core/v1 pods: their defaults, validation, status
// rules, graceful deletion, field selectors, `kubectl get` table and the
// binding the scheduler posts. The rules follow kube-apiserver's
// (pkg/registry/core/pod, pkg/apis/core/v1 defaults and pkg/apis/core
// validation); each file says where evictd serves a deliberate subset.
package pod

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/registry"
)

// Resource returns a fresh description of core/v1 pods.
func Resource() *registry.Resource {
	return &registry.Resource{
		GroupVersion: corev1.SchemeGroupVersion,
		Plural:       "pods",
		Singular:     "pod",
		Kind:         "Pod",
		ListKind:     "PodList",
		ShortNames:   []string{"po"},
		Categories:   []string{"all"},
		Namespaced:   true,
		// DELETE answers with the object, as upstream's store for this resource.
		ReturnDeletedObject: true,
		New:                 func() runtime.Object { return &corev1.Pod{} },
		NewList:             func() runtime.Object { return &corev1.PodList{} },
		Strategy:            strategy{clock: clock.RealClock{}},
		StatusStrategy:      statusStrategy{strategy{clock: clock.RealClock{}}},
		Table:               table(),
		SelectableFields:    SelectableFields,
	}
}

// The pod strategy deletes gracefully.
var (
	_ registry.Strategy        = strategy{}
	_ registry.Strategy        = statusStrategy{}
	_ registry.GracefulDeleter = strategy{}
)
