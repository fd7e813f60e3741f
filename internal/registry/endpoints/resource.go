// Package endpoints describes core/v1 endpoints: defaults, validation of
// addresses and ports, and the `kubectl get` table. The rules follow
// kube-apiserver's pkg/registry/core/endpoint, SetDefaults_Endpoints and
// ValidateEndpoints.
package endpoints

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/evictd/evictd/internal/registry"
)

// Resource returns a fresh description of core/v1 endpoints.
func Resource() *registry.Resource {
	return &registry.Resource{
		GroupVersion: corev1.SchemeGroupVersion,
		Plural:       "endpoints",
		Singular:     "endpoints", // upstream's singular name is plural too
		Kind:         "Endpoints",
		ListKind:     "EndpointsList",
		ShortNames:   []string{"ep"},
		Namespaced:   true,
		New:          func() runtime.Object { return &corev1.Endpoints{} },
		NewList:      func() runtime.Object { return &corev1.EndpointsList{} },
		Strategy:     strategy{},
		Table:        table(),
	}
}

// strategy defaults port protocols and validates subsets.
type strategy struct{ registry.DefaultStrategy }

// Default sets each port's protocol to TCP when empty.
func (strategy) Default(obj runtime.Object) {
	ep := obj.(*corev1.Endpoints)
	for i := range ep.Subsets {
		for j := range ep.Subsets[i].Ports {
			if p := &ep.Subsets[i].Ports[j]; p.Protocol == "" {
				p.Protocol = corev1.ProtocolTCP
			}
		}
	}
}

// Validate checks a new object.
func (strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validateSubsets(obj.(*corev1.Endpoints).Subsets, field.NewPath("subsets"))
}

// ValidateUpdate checks the new state.
func (strategy) ValidateUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	return validateSubsets(obj.(*corev1.Endpoints).Subsets, field.NewPath("subsets"))
}

// AllowCreateOnUpdate is true as upstream: the endpoints controller PUTs
// endpoints it has not created yet.
func (strategy) AllowCreateOnUpdate() bool { return true }
