package server

import (
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
)

// Resources lists every served resource, in discovery order. Each call
// returns fresh descriptions with their own state (the service IP
// allocator), so several servers in one process never share any.
func Resources() []*registry.Resource {
	alloc, err := service.NewIPAllocator(service.DefaultServiceCIDR)
	if err != nil {
		panic(err) // the default range is a constant: it always parses
	}
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
