package endpointslice

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry"
)

// strategy holds upstream's endpointSliceStrategy rules. PUT may omit
// resourceVersion and may not create (DefaultStrategy).
type strategy struct{ registry.DefaultStrategy }

// Default is SetDefaults_EndpointPort: an unnamed port gets the empty
// name, and TCP is the default protocol.
func (strategy) Default(obj runtime.Object) {
	eps := obj.(*discoveryv1.EndpointSlice)
	for i := range eps.Ports {
		p := &eps.Ports[i]
		if p.Name == nil {
			p.Name = ptr.To("")
		}
		if p.Protocol == nil {
			p.Protocol = ptr.To(corev1.ProtocolTCP)
		}
	}
}

// PrepareForCreate starts generation at 1.
func (strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	obj.(*discoveryv1.EndpointSlice).Generation = 1
}

// Validate checks a new slice.
func (strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validate(obj.(*discoveryv1.EndpointSlice), nil)
}

// PrepareForUpdate bumps generation when anything but metadata changed,
// or the labels did: a slice has no status, so every other field counts
// as spec (and the service-name label decides which service it serves).
func (strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	eps, oldEPS := obj.(*discoveryv1.EndpointSlice), old.(*discoveryv1.EndpointSlice)
	if !apiequality.Semantic.DeepEqual(content(eps), content(oldEPS)) ||
		!apiequality.Semantic.DeepEqual(eps.Labels, oldEPS.Labels) {
		eps.Generation = oldEPS.Generation + 1
	}
}

// ValidateUpdate checks the new slice and keeps its address type.
func (strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	eps, oldEPS := obj.(*discoveryv1.EndpointSlice), old.(*discoveryv1.EndpointSlice)
	errs := validate(eps, oldEPS)
	return append(errs, apimachineryvalidation.ValidateImmutableField(eps.AddressType, oldEPS.AddressType, field.NewPath("addressType"))...)
}

// content is everything of a slice but its metadata.
func content(eps *discoveryv1.EndpointSlice) any {
	return struct {
		AddressType discoveryv1.AddressType
		Endpoints   []discoveryv1.Endpoint
		Ports       []discoveryv1.EndpointPort
	}{eps.AddressType, eps.Endpoints, eps.Ports}
}
