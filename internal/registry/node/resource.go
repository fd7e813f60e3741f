// Package node describes core/v1 nodes: their defaults, validation, status
// rules, field selectors and `kubectl get` table, following kube-apiserver
// (pkg/registry/core/node, pkg/apis/core/v1 defaults, pkg/apis/core
// validation ValidateNode and ValidateNodeUpdate).
package node

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/registry"
)

// Resource returns a fresh description of core/v1 nodes. Node names are
// DNS subdomains, the store's default rule.
func Resource() *registry.Resource {
	return &registry.Resource{
		GroupVersion:     corev1.SchemeGroupVersion,
		Plural:           "nodes",
		Singular:         "node",
		Kind:             "Node",
		ListKind:         "NodeList",
		ShortNames:       []string{"no"},
		Namespaced:       false,
		New:              func() runtime.Object { return &corev1.Node{} },
		NewList:          func() runtime.Object { return &corev1.NodeList{} },
		Strategy:         strategy{},
		StatusStrategy:   statusStrategy{},
		Table:            table(),
		SelectableFields: SelectableFields,
	}
}

var (
	_ registry.Strategy = strategy{}
	_ registry.Strategy = statusStrategy{}
)
