package service

import (
	"context"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/registry/store"
)

// strategy is the rule set of the main resource: defaults, cluster IP
// allocation, validation; status belongs to the status subresource.
type strategy struct {
	registry.DefaultStrategy
	alloc IPAllocator
}

// Default applies upstream's v1 defaults.
func (strategy) Default(obj runtime.Object) { setDefaults(obj.(*corev1.Service)) }

// PrepareForCreate clears status and allocates the cluster IP. A service
// with generateName gets its name here, as upstream's store names objects
// before its BeginCreate hook allocates: the address's IPAddress object
// names the service.
func (s strategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	svc := obj.(*corev1.Service)
	svc.Status = corev1.ServiceStatus{}
	if svc.Name == "" && svc.GenerateName != "" {
		svc.Name = store.GenerateName(svc.GenerateName)
	}
	normalizeClusterIPs(svc, nil)
	initIPFamilies(svc, nil)
	allocate(ctx, s.alloc, svc)
}

// Validate checks a new service. It runs right after PrepareForCreate, so
// when it fails it gives back the address PrepareForCreate took.
func (s strategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	svc := obj.(*corev1.Service)
	errs := validateCreate(svc)
	if len(errs) > 0 && holdsNewIP(svc, nil) {
		_ = ReleaseClusterIPs(context.WithoutCancel(ctx), s.alloc, svc) // logged by the allocator
	}
	return errs
}

// PrepareForUpdate keeps status and the allocated cluster IP, clears what
// a type change leaves meaningless, and allocates a cluster IP for a
// service that had none (an ExternalName service changing type).
func (s strategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	svc, oldSvc := obj.(*corev1.Service), old.(*corev1.Service)
	svc.Status = *oldSvc.Status.DeepCopy()
	normalizeClusterIPs(svc, oldSvc)
	dropTypeDependentFields(svc, oldSvc)
	patchAllocatedValues(svc, oldSvc)
	initIPFamilies(svc, oldSvc)
	if !needsClusterIP(oldSvc) {
		allocate(ctx, s.alloc, svc)
	}
}

// ValidateUpdate checks an update, giving back an address PrepareForUpdate
// took when it fails.
func (s strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	svc, oldSvc := obj.(*corev1.Service), old.(*corev1.Service)
	errs := validateUpdate(svc, oldSvc)
	if len(errs) > 0 && holdsNewIP(svc, oldSvc) {
		_ = ReleaseClusterIPs(context.WithoutCancel(ctx), s.alloc, svc) // logged by the allocator
	}
	return errs
}

// statusStrategy serves services/status: it takes status and keeps spec.
type statusStrategy struct{ registry.DefaultStrategy }

// PrepareForUpdate keeps the stored spec and drops the internal allocation
// condition, which only the server sets.
func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	svc := obj.(*corev1.Service)
	svc.Spec = old.(*corev1.Service).Spec
	svc.Status.Conditions = slices.DeleteFunc(svc.Status.Conditions, func(c metav1.Condition) bool { return c.Type == allocationFailed })
}

// ValidateUpdate checks the load balancer status.
func (statusStrategy) ValidateUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	return validateLoadBalancerStatus(&obj.(*corev1.Service).Status.LoadBalancer, field.NewPath("status", "loadBalancer"))
}
