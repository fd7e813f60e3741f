// Package service describes core/v1 services: their defaults, validation,
// cluster IP allocation, field selectors and `kubectl get` table. The rules
// follow kube-apiserver's pkg/registry/core/service (strategy and the
// allocation in storage/alloc.go), SetDefaults_Service and ValidateService.
//
// evictd is a single-stack IPv4 cluster: services get one IPv4 cluster IP
// from an IPAllocator. Node ports are not allocated (a NodePort service
// keeps the nodePorts the client gave, or none), and no load balancer ever
// fills in status.loadBalancer.
package service

import (
	"context"
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/registry"
)

// Resource returns a fresh description of core/v1 services whose cluster
// IPs come from alloc; a nil alloc makes a description that serves no
// writes (discovery, OpenAPI): every allocation fails.
//
// Creates and updates allocate in PrepareForCreate/PrepareForUpdate and
// give the address back themselves when their own validation fails. The
// store releases through Resource.Release what strategies cannot see: a
// deleted service, and a create that passed validation but was not stored
// (AlreadyExists). A dry run takes nothing: the allocator only checks. What no hook sees is left to the repair
// (Allocator.Repair): a crash between allocation and the write, a lost
// update race when the update changed the type from ExternalName, and the
// address of a service whose type changed to ExternalName.
func Resource(alloc IPAllocator) *registry.Resource {
	if alloc == nil {
		alloc = unavailable{}
	}
	return &registry.Resource{
		GroupVersion:     corev1.SchemeGroupVersion,
		Plural:           "services",
		Singular:         "service",
		Kind:             "Service",
		ListKind:         "ServiceList",
		ShortNames:       []string{"svc"},
		Categories:       []string{"all"},
		Namespaced:       true,
		ValidateName:     apimachineryvalidation.NameIsDNS1035Label,
		New:              func() runtime.Object { return &corev1.Service{} },
		NewList:          func() runtime.Object { return &corev1.ServiceList{} },
		Strategy:         strategy{alloc: alloc},
		StatusStrategy:   statusStrategy{},
		Table:            table(),
		SelectableFields: selectableFields,
		Release:          func(obj runtime.Object) { releaseAfter(alloc, obj.(*corev1.Service)) },
	}
}

// releaseTimeout bounds a release the store asks for: its hook has no
// request context, and runs after the answer is decided.
const releaseTimeout = 30 * time.Second

// releaseAfter releases svc's addresses for the store's Release hook.
// Failures are logged by the allocator and left to the repair.
func releaseAfter(alloc IPAllocator, svc *corev1.Service) {
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	_ = ReleaseClusterIPs(ctx, alloc, svc)
}

// ReleaseClusterIPs gives the cluster IPs of svc back to alloc. Headless
// and ExternalName services hold none; releasing is idempotent.
func ReleaseClusterIPs(ctx context.Context, alloc IPAllocator, svc *corev1.Service) error {
	var errs []error
	for _, ip := range heldIPs(svc) {
		if err := alloc.Release(ctx, svc, ip); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// selectableFields are upstream's service field labels: kube-proxy-like
// clients select spec.clusterIP!=None.
func selectableFields(obj runtime.Object) fields.Set {
	svc := obj.(*corev1.Service)
	return fields.Set{
		"spec.clusterIP": svc.Spec.ClusterIP,
		"spec.type":      string(svc.Spec.Type),
	}
}
