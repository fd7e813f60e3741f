// Package endpointslice is the EndpointSlice controller: for every selector
// Service it keeps discovery.k8s.io/v1 EndpointSlices listing the pods the
// Service selects, terminating ones included with ready=false,
// serving=<Ready>, terminating=true, so that proxies can drain them. Slices
// are grouped by address type and port set, hold at most
// MaxEndpointsPerSlice endpoints, are updated in place and deleted when
// emptied; a Service with no endpoints keeps one placeholder slice.
//
// It speaks only client-go and follows kube-controller-manager's
// EndpointSlice controller and reconciler; see
// the spec controllers-kubelet.md §3.1 and §3.3, and
// docs/endpoints.md.
package endpointslice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/controller/endpoints/membership"
)

const (
	// EventComponent is the source of this controller's events.
	EventComponent = "endpoint-slice-controller"
	// ManagedBy is the endpointslice.kubernetes.io/managed-by value of
	// the slices this controller owns.
	ManagedBy = "endpointslice-controller.k8s.io"

	// DefaultWorkers is --concurrent-service-endpoint-syncs' default.
	DefaultWorkers = 5
	// DefaultMaxEndpointsPerSlice is --max-endpoints-per-slice's default.
	DefaultMaxEndpointsPerSlice = 100

	// maxRetries is how often a Service is retried before it is dropped.
	maxRetries = 15
	// sliceChangeMinDelay is the least delay before a Service is synced
	// again after someone else changed one of its slices, so that a burst
	// of slice events makes one sync.
	sliceChangeMinDelay = time.Second
)

// Options holds the optional parts of a Controller; the zero value is valid.
type Options struct {
	// MaxEndpointsPerSlice defaults to DefaultMaxEndpointsPerSlice; valid
	// values are 1–1000.
	MaxEndpointsPerSlice int
	// BatchPeriod delays pod-triggered syncs
	// (--endpointslice-updates-batch-period, default 0).
	BatchPeriod time.Duration
	// NewRateLimiter builds the queue's limiter. Defaults to upstream's:
	// per key 1 s → 1000 s exponential, with 10 qps / burst 100 overall.
	NewRateLimiter func() workqueue.TypedRateLimiter[string]
	// Log defaults to slog.Default().
	Log *slog.Logger
}

// Controller is the EndpointSlice controller. Build it with New, start
// the informer factory, then call Run.
type Controller struct {
	client      kubernetes.Interface
	recorder    record.EventRecorder
	log         *slog.Logger
	maxPerSlice int
	batch       time.Duration

	services corelisters.ServiceLister
	pods     corelisters.PodLister
	nodes    corelisters.NodeLister
	slices   discoverylisters.EndpointSliceLister
	synced   []cache.InformerSynced

	queue    workqueue.TypedRateLimitingInterface[string]
	triggers *membership.TriggerTimes
	tracker  *tracker
}

// New builds a Controller and registers its handlers on the Service, Pod,
// Node and EndpointSlice informers of factory; call it before
// factory.Start. Every Controller must be Run to free its queue.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder,
	clk clock.WithTicker, opts Options) (*Controller, error) {
	if client == nil || factory == nil || recorder == nil {
		return nil, errors.New("endpointslice.New: client, informer factory and recorder are required")
	}
	if opts.MaxEndpointsPerSlice == 0 {
		opts.MaxEndpointsPerSlice = DefaultMaxEndpointsPerSlice
	}
	if opts.MaxEndpointsPerSlice < 1 || opts.MaxEndpointsPerSlice > 1000 {
		return nil, fmt.Errorf("endpointslice.New: MaxEndpointsPerSlice %d is not in 1–1000", opts.MaxEndpointsPerSlice)
	}
	if clk == nil {
		clk = clock.RealClock{}
	}
	if opts.NewRateLimiter == nil {
		opts.NewRateLimiter = defaultRateLimiter
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	c := &Controller{
		client:      client,
		recorder:    recorder,
		log:         opts.Log,
		maxPerSlice: opts.MaxEndpointsPerSlice,
		batch:       opts.BatchPeriod,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(opts.NewRateLimiter(),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "endpoint_slice", Clock: clk}),
		triggers: membership.NewTriggerTimes(),
		tracker:  newTracker(),
	}
	if err := c.watch(factory); err != nil {
		c.queue.ShutDown()
		return nil, err
	}
	return c, nil
}

// defaultRateLimiter is upstream's: slice writes conflict more often than
// most, so failures back off from 1 s rather than 5 ms. The default
// controller limiter supplies the 10 qps / burst 100 bucket (its own 5 ms
// exponential never exceeds the 1 s one).
func defaultRateLimiter() workqueue.TypedRateLimiter[string] {
	return workqueue.NewTypedMaxOfRateLimiter(
		workqueue.NewTypedItemExponentialFailureRateLimiter[string](time.Second, 1000*time.Second),
		workqueue.DefaultTypedControllerRateLimiter[string](),
	)
}

// Run waits for the caches, then syncs Services with workers goroutines
// until ctx ends, and returns once they have stopped.
func (c *Controller) Run(ctx context.Context, workers int) {
	var wg sync.WaitGroup
	defer wg.Wait()
	defer c.queue.ShutDown()

	c.log.Info("starting")
	defer c.log.Info("stopped")
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	for range max(workers, 1) {
		wg.Go(func() {
			for c.processNext(ctx) {
			}
		})
	}
	<-ctx.Done()
}

func (c *Controller) processNext(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	err := c.sync(ctx, key)
	switch {
	case err == nil:
		c.queue.Forget(key)
	case c.queue.NumRequeues(key) < maxRetries:
		c.log.Info("syncing endpoint slices, requeuing", "service", key, "err", err)
		c.queue.AddRateLimited(key)
	default:
		c.log.Error("syncing endpoint slices, dropping the service out of the queue", "service", key, "err", err)
		c.queue.Forget(key)
	}
	return true
}
