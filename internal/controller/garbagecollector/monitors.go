package garbagecollector

import (
	"context"
	"maps"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/tools/cache"
)

// monitor is the collector's handler on one resource's shared metadata
// informer. The informer belongs to the shared factory and cannot be
// stopped alone: a resource that leaves discovery only loses the handler
// (upstream's shared-informer monitors behave the same).
type monitor struct {
	informer     cache.SharedIndexInformer
	registration cache.ResourceEventHandlerRegistration
}

// deletableResources reads discovery: every preferred resource that
// supports delete, list and watch, minus the ignored ones. A partial
// failure keeps what was discovered.
func (gc *GarbageCollector) deletableResources() (map[schema.GroupVersionResource]bool, error) {
	lists, err := gc.discovery.ServerPreferredResources()
	out := map[schema.GroupVersionResource]bool{}
	deletable := discovery.FilteredBy(discovery.SupportsAllVerbs{Verbs: []string{"delete", "list", "watch"}}, lists)
	for _, list := range deletable {
		gv, perr := schema.ParseGroupVersion(list.GroupVersion)
		if perr != nil {
			continue
		}
		for _, r := range list.APIResources {
			gvr := gv.WithResource(r.Name)
			if !gc.opts.IgnoredResources[gvr.GroupResource()] {
				out[gvr] = true
			}
		}
	}
	return out, err
}

// resyncMonitors reads discovery and, when the resource set differs from
// old, resets the mapper and adds or drops monitors. It returns the set now
// monitored (old when discovery returned nothing).
func (gc *GarbageCollector) resyncMonitors(ctx context.Context, old map[schema.GroupVersionResource]bool) map[schema.GroupVersionResource]bool {
	resources, err := gc.deletableResources()
	if err != nil {
		gc.log.Info("discovery failed for some resources", "err", err)
	}
	if len(resources) == 0 {
		return old
	}
	if failed, ok := discovery.GroupDiscoveryFailedErrorGroups(err); ok {
		// Keep watching the resources of groups that failed this time.
		for gvr := range old {
			if _, f := failed[gvr.GroupVersion()]; f {
				resources[gvr] = true
			}
		}
	}
	if maps.Equal(old, resources) {
		return old
	}
	if old != nil {
		gc.mapper.Reset()
	}
	gc.syncMonitors(resources)
	if old != nil {
		gc.startInformers(ctx)
	}
	return resources
}

// syncMonitors registers a handler for each new resource and removes
// those of resources gone from discovery.
func (gc *GarbageCollector) syncMonitors(resources map[schema.GroupVersionResource]bool) {
	gc.monitorsMu.Lock()
	defer gc.monitorsMu.Unlock()
	for gvr, m := range gc.monitors {
		if !resources[gvr] {
			if err := m.informer.RemoveEventHandler(m.registration); err != nil {
				gc.log.Error("removing monitor", "resource", gvr, "err", err)
			}
			delete(gc.monitors, gvr)
		}
	}
	for gvr := range resources {
		if gc.monitors[gvr] != nil {
			continue
		}
		kind, err := gc.mapper.KindFor(gvr)
		if err != nil {
			gc.log.Error("looking up a resource's kind", "resource", gvr, "err", err)
			continue
		}
		informer := gc.informers.ForResource(gvr).Informer()
		// A zero resync period: the graph needs no periodic replays.
		resync := time.Duration(0)
		reg, err := informer.AddEventHandlerWithOptions(gc.handlers(kind), cache.HandlerOptions{ResyncPeriod: &resync})
		if err != nil {
			gc.log.Error("starting monitor", "resource", gvr, "err", err)
			continue
		}
		gc.monitors[gvr] = &monitor{informer: informer, registration: reg}
	}
}

// handlers turn informer events into graph changes.
func (gc *GarbageCollector) handlers(kind schema.GroupVersionKind) cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if m, ok := obj.(metav1.Object); ok {
				gc.graphChanges.Add(&event{typ: addEvent, obj: m, gvk: kind})
			}
		},
		UpdateFunc: func(oldObj, newObj any) {
			m, ok := newObj.(metav1.Object)
			old, _ := oldObj.(metav1.Object)
			if ok {
				gc.graphChanges.Add(&event{typ: updateEvent, obj: m, old: old, gvk: kind})
			}
		},
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			if m, ok := obj.(metav1.Object); ok {
				gc.graphChanges.Add(&event{typ: deleteEvent, obj: m, gvk: kind})
			}
		},
	}
}

// synced reports whether every monitor has delivered its initial list.
func (gc *GarbageCollector) synced() bool {
	gc.monitorsMu.Lock()
	defer gc.monitorsMu.Unlock()
	if len(gc.monitors) == 0 {
		return false
	}
	for _, m := range gc.monitors {
		if !m.registration.HasSynced() {
			return false
		}
	}
	return true
}

// waitForSync waits until the monitors synced, ctx ended or timeout passed
// on the collector's clock.
func (gc *GarbageCollector) waitForSync(ctx context.Context, timeout time.Duration) bool {
	stop := make(chan struct{})
	done := make(chan struct{})
	timer := gc.clock.NewTimer(timeout)
	defer timer.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(done)
	wg.Go(func() {
		defer close(stop)
		select {
		case <-ctx.Done():
		case <-timer.C():
		case <-done:
		}
	})
	return cache.WaitForCacheSync(stop, gc.synced)
}

// resyncDiscovery reads discovery every DiscoveryPeriod until ctx ends.
func (gc *GarbageCollector) resyncDiscovery(ctx context.Context, resources map[schema.GroupVersionResource]bool) {
	ticker := gc.clock.NewTicker(DiscoveryPeriod)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C():
			resources = gc.resyncMonitors(ctx, resources)
		}
	}
}
