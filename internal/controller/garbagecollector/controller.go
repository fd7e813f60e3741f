// Package garbagecollector is the garbage collector of kube-controller-
// manager, spoken in client-go: it watches the metadata of every resource
// that can be listed, watched and deleted, keeps the owner→dependents graph
// by UID, and acts on it:
//
//   - background: a dependent whose owners are all gone (verified by a live
//     GET, matching UIDs) is deleted;
//   - foreground: an owner with a deletionTimestamp and the
//     foregroundDeletion finalizer gets its dependents deleted, and loses the
//     finalizer once no dependent with blockOwnerDeletion=true remains;
//   - orphan: an owner with the orphan finalizer is removed from its
//     dependents' ownerReferences, then loses the finalizer.
//
// The API server sets those finalizers on DELETE with a propagationPolicy.
// The graph is fed by informer events only; the one periodic task is the
// discovery resync that adds informers for new resources. See
// docs/garbagecollector.md.
package garbagecollector

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

const (
	// DiscoveryPeriod is how often discovery is read again to watch new
	// resources (kube-controller-manager's 30 s).
	DiscoveryPeriod = 30 * time.Second

	// initialSyncTimeout bounds the wait for the first informer sync; after
	// it the workers start anyway (a resource that cannot be listed must
	// not stop collection of the others), as upstream.
	initialSyncTimeout = 30 * time.Second

	// DefaultWorkers is --concurrent-gc-syncs' default: workers per queue.
	DefaultWorkers = 20

	// EventComponent is the source of the collector's events.
	EventComponent = "garbage-collector-controller"
)

// DefaultIgnoredResources are never watched: events are many, short-lived
// and never owners, as upstream.
func DefaultIgnoredResources() map[schema.GroupResource]bool {
	return map[schema.GroupResource]bool{
		{Group: "", Resource: "events"}:                 true,
		{Group: eventsv1.GroupName, Resource: "events"}: true,
	}
}

// Options holds the optional parts of a GarbageCollector; the zero value
// is valid.
type Options struct {
	// Workers per queue (attemptToDelete and attemptToOrphan); default
	// DefaultWorkers.
	Workers int
	// IgnoredResources default to DefaultIgnoredResources.
	IgnoredResources map[schema.GroupResource]bool
	// StartInformers starts informers requested after the first start (the
	// component passes its Context's); default starts the factory until
	// Run's ctx ends.
	StartInformers func()
	// NewRateLimiter builds each queue's rate limiter; default
	// workqueue.DefaultTypedControllerRateLimiter.
	NewRateLimiter func() workqueue.TypedRateLimiter[*node]
	// Log defaults to slog.Default().
	Log *slog.Logger
}

// GarbageCollector is the garbage collector. Build it with New and call
// Run once.
type GarbageCollector struct {
	metadata  metadata.Interface
	informers metadatainformer.SharedInformerFactory
	mapper    meta.ResettableRESTMapper
	discovery discovery.ServerResourcesInterface
	recorder  record.EventRecorder
	clock     clock.WithTicker
	log       *slog.Logger
	opts      Options

	graph  *graph
	absent *referenceCache

	// graphChanges carries informer events (and virtual deletes) to the
	// single graph builder goroutine.
	graphChanges workqueue.TypedInterface[*event]
	// attemptToDelete holds nodes that may be garbage, or owners waiting
	// for their dependents; attemptToOrphan owners whose dependents must
	// be orphaned.
	attemptToDelete workqueue.TypedRateLimitingInterface[*node]
	attemptToOrphan workqueue.TypedRateLimitingInterface[*node]

	monitorsMu sync.Mutex
	monitors   map[schema.GroupVersionResource]*monitor
}

// New builds a GarbageCollector over a metadata client and its informer
// factory, a resettable RESTMapper and a discovery client.
func New(client metadata.Interface, factory metadatainformer.SharedInformerFactory, mapper meta.ResettableRESTMapper,
	disco discovery.ServerResourcesInterface, recorder record.EventRecorder, clk clock.WithTicker, opts Options) (*GarbageCollector, error) {
	if client == nil || factory == nil || mapper == nil || disco == nil || recorder == nil {
		return nil, errors.New("garbagecollector.New: metadata client, informer factory, RESTMapper, discovery and recorder are required")
	}
	if clk == nil {
		clk = clock.RealClock{}
	}
	if opts.Workers < 1 {
		opts.Workers = DefaultWorkers
	}
	if opts.IgnoredResources == nil {
		opts.IgnoredResources = DefaultIgnoredResources()
	}
	if opts.NewRateLimiter == nil {
		opts.NewRateLimiter = workqueue.DefaultTypedControllerRateLimiter[*node]
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &GarbageCollector{
		metadata: client, informers: factory, mapper: mapper, discovery: disco,
		recorder: recorder, clock: clk, log: opts.Log, opts: opts,
		graph:  newGraph(),
		absent: newReferenceCache(absentOwnerCacheSize),
		graphChanges: workqueue.NewTypedWithConfig(workqueue.TypedQueueConfig[*event]{
			Name: "garbage_collector_graph_changes", Clock: clk,
		}),
		attemptToDelete: newQueue(clk, "garbage_collector_attempt_to_delete", opts.NewRateLimiter()),
		attemptToOrphan: newQueue(clk, "garbage_collector_attempt_to_orphan", opts.NewRateLimiter()),
		monitors:        map[schema.GroupVersionResource]*monitor{},
	}, nil
}

func newQueue(clk clock.WithTicker, name string, limiter workqueue.TypedRateLimiter[*node]) workqueue.TypedRateLimitingInterface[*node] {
	return workqueue.NewTypedRateLimitingQueueWithConfig(limiter, workqueue.TypedRateLimitingQueueConfig[*node]{
		Name:  name,
		Clock: clk,
		DelayingQueue: workqueue.NewTypedDelayingQueueWithConfig(workqueue.TypedDelayingQueueConfig[*node]{
			Name: name, Clock: clk,
		}),
	})
}

// Run discovers the resources, starts their informers and the graph
// builder, waits for the first sync (at most initialSyncTimeout), then runs
// the workers and the discovery resync until ctx ends. It returns once
// every goroutine it started has stopped.
func (gc *GarbageCollector) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	defer gc.shutDownQueues()
	gc.log.Info("starting")
	defer gc.log.Info("stopped")

	resources := gc.resyncMonitors(ctx, nil)
	gc.startInformers(ctx)
	wg.Go(func() {
		for gc.processGraphChanges() {
		}
	})
	if !gc.waitForSync(ctx, initialSyncTimeout) {
		gc.log.Info("not all resource monitors synced, proceeding anyway")
	}
	for range gc.opts.Workers {
		wg.Go(func() {
			for gc.processAttemptToDelete(ctx) {
			}
		})
		wg.Go(func() {
			for gc.processAttemptToOrphan(ctx) {
			}
		})
	}
	wg.Go(func() { gc.resyncDiscovery(ctx, resources) })
	<-ctx.Done()
}

func (gc *GarbageCollector) shutDownQueues() {
	gc.graphChanges.ShutDown()
	gc.attemptToDelete.ShutDown()
	gc.attemptToOrphan.ShutDown()
}

func (gc *GarbageCollector) startInformers(ctx context.Context) {
	if gc.opts.StartInformers != nil {
		gc.opts.StartInformers()
		return
	}
	gc.informers.Start(ctx.Done())
}
