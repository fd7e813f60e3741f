package server

import (
	"fmt"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/apiserver"
	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/registry/configmap"
	"github.com/evictd/evictd/internal/registry/controllerrevision"
	"github.com/evictd/evictd/internal/registry/daemonset"
	"github.com/evictd/evictd/internal/registry/deployment"
	"github.com/evictd/evictd/internal/registry/endpoints"
	"github.com/evictd/evictd/internal/registry/endpointslice"
	"github.com/evictd/evictd/internal/registry/event"
	"github.com/evictd/evictd/internal/registry/job"
	"github.com/evictd/evictd/internal/registry/lease"
	"github.com/evictd/evictd/internal/registry/namespace"
	"github.com/evictd/evictd/internal/registry/node"
	"github.com/evictd/evictd/internal/registry/pod"
	"github.com/evictd/evictd/internal/registry/poddisruptionbudget"
	"github.com/evictd/evictd/internal/registry/replicaset"
	"github.com/evictd/evictd/internal/registry/replicationcontroller"
	"github.com/evictd/evictd/internal/registry/secret"
	"github.com/evictd/evictd/internal/registry/service"
	"github.com/evictd/evictd/internal/registry/serviceaccount"
	"github.com/evictd/evictd/internal/registry/statefulset"
	"github.com/evictd/evictd/internal/registry/store"
	"github.com/evictd/evictd/internal/storage"
)

// Resources lists every served resource, in discovery order: fresh
// descriptions for discovery, OpenAPI and metrics, which serve no writes
// (their services allocate no cluster IPs).
func Resources() []*registry.Resource { return resources(nil) }

// newServiceIPs returns the allocator over the default service range whose
// allocations (IPAddress objects) live in st, shared by every server on it.
func newServiceIPs(st storage.Interface, clk clock.PassiveClock, log *slog.Logger) (*service.Allocator, error) {
	alloc, err := service.NewIPAllocator(service.DefaultServiceCIDR, service.Options{Storage: st, Clock: clk, Log: log})
	if err != nil {
		return nil, fmt.Errorf("service IP allocator: %w", err)
	}
	return alloc, nil
}

// resources lists the served resources, services allocating from alloc.
func resources(alloc service.IPAllocator) []*registry.Resource {
	return []*registry.Resource{
		pod.Resource(),
		node.Resource(),
		namespace.Resource(),
		event.Resource(),
		service.Resource(alloc),
		endpoints.Resource(),
		configmap.Resource(),
		secret.Resource(),
		serviceaccount.Resource(),
		replicationcontroller.Resource(),
		deployment.Resource(),
		replicaset.Resource(),
		statefulset.Resource(),
		daemonset.Resource(),
		controllerrevision.Resource(),
		job.Resource(),
		poddisruptionbudget.Resource(),
		lease.Resource(),
		endpointslice.Resource(),
		event.EventsV1Resource(),
	}
}

// stores are the served resources' stores, built over the storage before
// the HTTP layer, which only serves them: another storage backend changes
// how they are built and nothing else. The eviction handler and bootstrap
// use them in-process.
type stores struct {
	served     []apiserver.Resource
	byGVR      map[schema.GroupVersionResource]*store.Store
	namespaces *namespace.Lifecycle
	// serviceIPs is the services' cluster-IP allocator, whose allocations
	// bootstrap repairs against the stored services.
	serviceIPs *service.Allocator
}

// newStores builds one store per resource of Resources() over st, and
// the namespace lifecycle (NamespaceLifecycle admission and the namespace
// delete) over the namespace store.
func newStores(st storage.Interface, clk clock.PassiveClock, log *slog.Logger) (*stores, error) {
	serviceIPs, err := newServiceIPs(st, clk, log)
	if err != nil {
		return nil, err
	}
	s := &stores{byGVR: map[schema.GroupVersionResource]*store.Store{}, serviceIPs: serviceIPs}
	for _, res := range resources(s.serviceIPs) {
		rs, err := store.New(res, st, store.Options{Clock: clk, TypeConverter: typeConverter, MaxObjectBytes: apiserver.MaxRequestBodyBytes})
		if err != nil {
			return nil, fmt.Errorf("store of %s: %w", res.GroupResource(), err)
		}
		s.served = append(s.served, apiserver.Resource{Store: rs})
		s.byGVR[res.GroupVersionResource()] = rs
	}
	namespaces, err := s.get(corev1.SchemeGroupVersion.WithResource("namespaces"))
	if err != nil {
		return nil, err
	}
	s.namespaces = namespace.NewLifecycle(namespaces, clk)
	for i := range s.served {
		if s.served[i].Store == namespaces {
			s.served[i].Delete = s.namespaces.Delete
		}
	}
	return s, nil
}

// get returns the store of a served resource.
func (s *stores) get(gvr schema.GroupVersionResource) (*store.Store, error) {
	rs, ok := s.byGVR[gvr]
	if !ok {
		return nil, fmt.Errorf("%s are not served", gvr.GroupResource())
	}
	return rs, nil
}
