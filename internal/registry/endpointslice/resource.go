// Package endpointslice describes discovery.k8s.io/v1 EndpointSlices: port
// defaults, validation of the address type, endpoints and ports, and the
// `kubectl get` table. The rules follow kube-apiserver's
// pkg/registry/discovery/endpointslice, the discovery v1 defaults and
// pkg/apis/discovery/validation. Labels such as kubernetes.io/service-name
// and endpointslice.kubernetes.io/managed-by are the client's to set.
package endpointslice

import (
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/registry"
)

// Resource returns a fresh description of discovery.k8s.io/v1 endpointslices.
func Resource() *registry.Resource {
	return &registry.Resource{
		GroupVersion: discoveryv1.SchemeGroupVersion,
		Plural:       "endpointslices",
		Singular:     "endpointslice",
		Kind:         "EndpointSlice",
		ListKind:     "EndpointSliceList",
		Namespaced:   true,
		New:          func() runtime.Object { return &discoveryv1.EndpointSlice{} },
		NewList:      func() runtime.Object { return &discoveryv1.EndpointSliceList{} },
		Strategy:     strategy{},
		Table:        table(),
	}
}

var _ registry.Strategy = strategy{}
