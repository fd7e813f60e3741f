// Package statefulset is the StatefulSet controller: it keeps, for every
// StatefulSet, one pod per ordinal <set>-<ordinal> with a stable name,
// hostname and subdomain, creates and deletes them in ordinal order (or all
// at once with podManagementPolicy Parallel), rolls template changes out
// from the highest ordinal down to the partition, records every template as
// a ControllerRevision and reports the counts kubectl rollout status reads.
//
// It speaks only client-go, so it runs unchanged against evictd or a real
// cluster. The behaviour follows kube-controller-manager's StatefulSet
// controller (pkg/controller/statefulset); docs/statefulset.md lists what
// was matched and what was left out.
package statefulset

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

// Options holds the optional parts of a Controller; the zero value is valid.
type Options struct {
	// NewRateLimiter builds the queue's rate limiter. Defaults to
	// workqueue.DefaultTypedControllerRateLimiter (5 ms → 1000 s per key,
	// 10 qps / burst 100 overall); tests with a fake clock pass one that
	// never delays.
	NewRateLimiter func() workqueue.TypedRateLimiter[string]

	// Log receives worker errors and progress. Defaults to slog.Default().
	Log *slog.Logger
}

// Controller is the StatefulSet controller. Build it with New, start the
// informer factory, then call Run.
type Controller struct {
	client   kubernetes.Interface
	recorder record.EventRecorder
	clock    clock.WithTicker
	log      *slog.Logger

	sets      appslisters.StatefulSetLister
	pods      corelisters.PodLister
	revisions appslisters.ControllerRevisionLister
	synced    []cache.InformerSynced

	// queue holds StatefulSet keys to sync.
	queue workqueue.TypedRateLimitingInterface[string]
}

// New builds a Controller and registers its handlers on the StatefulSet
// and pod informers of factory (and takes the ControllerRevision lister),
// so it must be called before factory.Start. Its queue runs timers on clk;
// Run shuts it down, so every Controller must be Run.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder,
	clk clock.WithTicker, opts Options) (*Controller, error) {
	if client == nil || factory == nil || recorder == nil {
		return nil, errors.New("statefulset.New: client, informer factory and recorder are required")
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
		clock:    clk,
		log:      opts.Log,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(opts.NewRateLimiter(), workqueue.TypedRateLimitingQueueConfig[string]{
			Name:  "statefulset",
			Clock: clk,
			DelayingQueue: workqueue.NewTypedDelayingQueueWithConfig(workqueue.TypedDelayingQueueConfig[string]{
				Name: "statefulset", Clock: clk,
			}),
		}),
	}
	if err := c.watch(factory); err != nil {
		c.queue.ShutDown()
		return nil, err
	}
	return c, nil
}

// watch registers the handlers. ControllerRevisions have none, as
// upstream: the controller writes them itself and reads them at each sync.
func (c *Controller) watch(factory informers.SharedInformerFactory) error {
	setInformer := factory.Apps().V1().StatefulSets()
	sets, err := setInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, cur any) { c.enqueue(cur) },
		DeleteFunc: c.enqueue,
	})
	if err != nil {
		return err
	}
	podInformer := factory.Core().V1().Pods()
	pods, err := podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.addPod,
		UpdateFunc: c.updatePod,
		DeleteFunc: c.deletePod,
	})
	if err != nil {
		return err
	}
	revInformer := factory.Apps().V1().ControllerRevisions()
	c.sets, c.pods, c.revisions = setInformer.Lister(), podInformer.Lister(), revInformer.Lister()
	c.synced = []cache.InformerSynced{sets.HasSynced, pods.HasSynced, revInformer.Informer().HasSynced}
	return nil
}

// Run waits for the informer caches, then syncs StatefulSets with workers
// goroutines (values below 1 mean 1; kube-controller-manager's
// --concurrent-statefulset-syncs defaults to 5) until ctx ends, and returns
// once every goroutine it started has stopped.
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

// processNext syncs one key. An error requeues it rate-limited, with no cap
// on retries; success resets its backoff.
func (c *Controller) processNext(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	if err := c.sync(ctx, key); err != nil {
		c.log.Error("syncing StatefulSet, requeuing", "statefulset", key, "err", err)
		c.queue.AddRateLimited(key)
		return true
	}
	c.queue.Forget(key)
	return true
}

// enqueueAfter queues key after d on the controller's clock.
func (c *Controller) enqueueAfter(key string, d time.Duration) {
	c.queue.AddAfter(key, d)
}
