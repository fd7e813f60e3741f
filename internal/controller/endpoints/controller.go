// Package endpoints is the Endpoints controller: it keeps one v1 Endpoints
// object per selector Service listing the addresses of the pods the
// Service selects, ready ones in addresses and the others in
// notReadyAddresses. A terminating pod leaves at once (unless the Service
// publishes not-ready addresses), which is how a graceful deletion takes a
// pod out of the Service before its containers stop.
//
// It speaks only client-go and follows kube-controller-manager's endpoints
// controller; see the spec controllers-kubelet.md §3.1–3.2 and
// docs/endpoints.md.
package endpoints

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/controller/endpoints/membership"
)

const (
	// EventComponent is the source of this controller's events, as
	// kube-controller-manager's.
	EventComponent = "endpoint-controller"

	// maxRetries is how often a Service is retried before the key is
	// dropped until its next event (upstream's value).
	maxRetries = 15

	// DefaultWorkers is --concurrent-endpoint-syncs' default.
	DefaultWorkers = 5
)

// Options holds the optional parts of a Controller; the zero value is valid.
type Options struct {
	// BatchPeriod delays pod-triggered syncs so that several pod changes
	// make one write (--endpoint-updates-batch-period, default 0).
	BatchPeriod time.Duration
	// NewRateLimiter builds the queue's rate limiter. Defaults to
	// workqueue.DefaultTypedControllerRateLimiter (5 ms → 1000 s per key,
	// 10 qps / burst 100); the delays elapse on the injected clock.
	NewRateLimiter func() workqueue.TypedRateLimiter[string]
	// Log defaults to slog.Default().
	Log *slog.Logger
}

// Controller is the Endpoints controller. Build it with New, start the
// informer factory, then call Run.
type Controller struct {
	client   kubernetes.Interface
	recorder record.EventRecorder
	log      *slog.Logger
	batch    time.Duration

	services  corelisters.ServiceLister
	pods      corelisters.PodLister
	endpoints corelisters.EndpointsLister
	synced    []cache.InformerSynced

	queue    workqueue.TypedRateLimitingInterface[string]
	triggers *membership.TriggerTimes
	stale    *staleTracker
}

// New builds a Controller and registers its handlers on the Service, Pod
// and Endpoints informers of factory; call it before factory.Start. Every
// Controller must be Run (possibly with a cancelled context) to free its
// queue.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder,
	clk clock.WithTicker, opts Options) (*Controller, error) {
	if client == nil || factory == nil || recorder == nil {
		return nil, errors.New("endpoints.New: client, informer factory and recorder are required")
	}
	if clk == nil {
		clk = clock.RealClock{}
	}
	if opts.NewRateLimiter == nil {
		opts.NewRateLimiter = workqueue.DefaultTypedControllerRateLimiter[string]
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	c := &Controller{
		client:   client,
		recorder: recorder,
		log:      opts.Log,
		batch:    opts.BatchPeriod,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(opts.NewRateLimiter(),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "endpoint", Clock: clk}),
		triggers: membership.NewTriggerTimes(),
		stale:    newStaleTracker(),
	}
	if err := c.watch(factory); err != nil {
		c.queue.ShutDown()
		return nil, err
	}
	return c, nil
}

// Run waits for the caches, queues every existing Endpoints once (so that
// those of deleted Services go), then syncs Services with workers
// goroutines until ctx ends, and returns once they have stopped.
func (c *Controller) Run(ctx context.Context, workers int) {
	var wg sync.WaitGroup
	defer wg.Wait()
	defer c.queue.ShutDown()

	c.log.Info("starting")
	defer c.log.Info("stopped")
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	c.queueLeftoverEndpoints()
	for range max(workers, 1) {
		wg.Go(func() {
			for c.processNext(ctx) {
			}
		})
	}
	<-ctx.Done()
}

// processNext syncs one Service key; a failure is retried rate-limited up
// to maxRetries times.
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
		c.log.Info("syncing endpoints, requeuing", "service", key, "err", err)
		c.queue.AddRateLimited(key)
	default:
		c.log.Error("syncing endpoints, dropping the service out of the queue", "service", key, "err", err)
		c.queue.Forget(key)
	}
	return true
}
