// Package poddisruptionbudget describes policy/v1 PodDisruptionBudgets: the
// budgets the eviction subresource consults before it deletes a pod. The
// rules follow kube-apiserver's pkg/registry/policy/poddisruptionbudget and
// pkg/apis/policy/validation: no defaulting, status wiped on create and
// written only through the status subresource, and no PUT without a
// resourceVersion, which is what makes the eviction's status write
// optimistic.
package poddisruptionbudget

import (
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/validation/path"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/registry"
)

// Resource returns a fresh description of policy/v1 poddisruptionbudgets.
func Resource() *registry.Resource {
	return &registry.Resource{
		GroupVersion: policyv1.SchemeGroupVersion,
		Plural:       "poddisruptionbudgets",
		Singular:     "poddisruptionbudget",
		Kind:         "PodDisruptionBudget",
		ListKind:     "PodDisruptionBudgetList",
		ShortNames:   []string{"pdb"},
		Namespaced:   true,
		// Upstream's PDB validation leaves the name to the generic checks,
		// which only require a valid path segment.
		ValidateName:   path.ValidatePathSegmentName,
		New:            func() runtime.Object { return &policyv1.PodDisruptionBudget{} },
		NewList:        func() runtime.Object { return &policyv1.PodDisruptionBudgetList{} },
		Strategy:       strategy{},
		StatusStrategy: statusStrategy{},
		Table:          table(),
	}
}

var (
	_ registry.Strategy = strategy{}
	_ registry.Strategy = statusStrategy{}
)
