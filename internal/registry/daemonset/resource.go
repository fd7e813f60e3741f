// Package daemonset describes apps/v1 DaemonSets: defaults, validation, the
// status subresource and the `kubectl get` table. The rules follow
// kube-apiserver's pkg/registry/apps/daemonset, pkg/apis/apps/v1 defaults
// and pkg/apis/apps/validation; the pod template is defaulted and checked
// with the pod package's rules. DaemonSets have no scale subresource: their
// size follows the nodes.
package daemonset

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/registry"
)

// Resource returns a fresh description of apps/v1 daemonsets. Upstream
// offers no field selectors beyond metadata for them.
func Resource() *registry.Resource {
	return &registry.Resource{
		GroupVersion:   appsv1.SchemeGroupVersion,
		Plural:         "daemonsets",
		Singular:       "daemonset",
		Kind:           "DaemonSet",
		ListKind:       "DaemonSetList",
		ShortNames:     []string{"ds"},
		Categories:     []string{"all"},
		Namespaced:     true,
		New:            func() runtime.Object { return &appsv1.DaemonSet{} },
		NewList:        func() runtime.Object { return &appsv1.DaemonSetList{} },
		Strategy:       strategy{},
		StatusStrategy: statusStrategy{},
		Table:          table(),
	}
}

var (
	_ registry.Strategy = strategy{}
	_ registry.Strategy = statusStrategy{}
)
