// Package namespace is the namespace controller of kube-controller-
// manager, spoken in client-go: when a namespace is deleted (it gets a
// deletionTimestamp and stays, Terminating, while spec.finalizers holds
// "kubernetes"), it deletes every namespaced object in it, waits for them
// to go (pods take their grace period), reports progress in the
// namespace's status conditions, and finally removes "kubernetes" through
// the namespaces/{name}/finalize subresource, after which the API server
// removes the namespace. Namespaces that are not being deleted are never
// touched.
package namespace

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

const (
	// DeletionGracePeriod delays the first sync after a namespace event,
	// as upstream, so that API servers in an HA setup see the deletion
	// (and refuse new objects) and late creations are visible before the
	// content is listed.
	DeletionGracePeriod = 5 * time.Second

	// SyncPeriod is --namespace-sync-period: the informer replays every
	// namespace from the cache this often; only terminating ones are
	// queued.
	SyncPeriod = 5 * time.Minute

	// DefaultWorkers is --concurrent-namespace-syncs' default.
	DefaultWorkers = 10

	// EventComponent is the controller's name as an event source
	// (kube-controller-manager's "namespace-controller"); like upstream it
	// records no events today.
	EventComponent = "namespace-controller"
)

// Options holds the optional parts of a Controller; the zero value is valid.
type Options struct {
	// Workers default to DefaultWorkers.
	Workers int
	// NewRateLimiter defaults to upstream's namespace rate limiter
	// (per-item 5 ms → 60 s, so a failing deletion is retried at least
	// every minute; 10 qps / burst 100 overall).
	NewRateLimiter func() workqueue.TypedRateLimiter[string]
	// Log defaults to slog.Default().
	Log *slog.Logger
}

// DiscoverFunc lists the server's preferred namespaced resources, as
// discovery.ServerPreferredNamespacedResources does.
type DiscoverFunc func() ([]*metav1.APIResourceList, error)

// Controller is the namespace controller. Build it with New, start the
// informer factory, then call Run.
type Controller struct {
	deleter *deleter
	lister  corelisters.NamespaceLister
	synced  cache.InformerSynced
	queue   workqueue.TypedRateLimitingInterface[string]
	workers int
	log     *slog.Logger
}

// New builds a Controller and registers its handlers on informer (so it
// must be called before the informer starts). Every Controller must be
// Run, as its queue runs timers on clk until then.
func New(client kubernetes.Interface, meta metadata.Interface, discover DiscoverFunc, informer coreinformers.NamespaceInformer,
	clk clock.WithTicker, opts Options) (*Controller, error) {
	if client == nil || meta == nil || discover == nil || informer == nil {
		return nil, errors.New("namespace.New: client, metadata client, discovery and namespace informer are required")
	}
	if clk == nil {
		clk = clock.RealClock{}
	}
	if opts.Workers < 1 {
		opts.Workers = DefaultWorkers
	}
	if opts.NewRateLimiter == nil {
		opts.NewRateLimiter = rateLimiter
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	log := opts.Log
	c := &Controller{
		deleter: newDeleter(client, meta, discover, clk, log),
		lister:  informer.Lister(),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(opts.NewRateLimiter(), workqueue.TypedRateLimitingQueueConfig[string]{
			Name: "namespace", Clock: clk,
			DelayingQueue: workqueue.NewTypedDelayingQueueWithConfig(workqueue.TypedDelayingQueueConfig[string]{Name: "namespace", Clock: clk}),
		}),
		workers: opts.Workers,
		log:     log,
	}
	reg, err := informer.Informer().AddEventHandlerWithResyncPeriod(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, cur any) { c.enqueue(cur) },
	}, SyncPeriod)
	if err != nil {
		c.queue.ShutDown()
		return nil, err
	}
	c.synced = reg.HasSynced
	return c, nil
}

func rateLimiter() workqueue.TypedRateLimiter[string] {
	return workqueue.NewTypedMaxOfRateLimiter(
		workqueue.NewTypedItemExponentialFailureRateLimiter[string](5*time.Millisecond, 60*time.Second),
		&workqueue.TypedBucketRateLimiter[string]{Limiter: rate.NewLimiter(rate.Limit(10), 100)},
	)
}

// enqueue queues a namespace being deleted, after DeletionGracePeriod.
func (c *Controller) enqueue(obj any) {
	ns, ok := obj.(*corev1.Namespace)
	if !ok || ns.DeletionTimestamp == nil || ns.DeletionTimestamp.IsZero() {
		return
	}
	c.queue.AddAfter(ns.Name, DeletionGracePeriod)
}

// Run waits for the namespace cache, then runs the workers until ctx
// ends, and returns once they have stopped.
func (c *Controller) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	defer c.queue.ShutDown()
	c.log.Info("starting")
	defer c.log.Info("stopped")
	if !cache.WaitForCacheSync(ctx.Done(), c.synced) {
		return
	}
	for range c.workers {
		wg.Go(func() {
			for c.processNext(ctx) {
			}
		})
	}
	<-ctx.Done()
}

// processNext syncs one namespace. Remaining content requeues it after
// half the estimate plus a second, as upstream; other errors requeue it
// rate-limited.
func (c *Controller) processNext(ctx context.Context) bool {
	name, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(name)
	err := c.sync(ctx, name)
	var remaining *ResourcesRemainingError
	switch {
	case err == nil:
		c.queue.Forget(name)
	case errors.As(err, &remaining):
		wait := time.Duration(remaining.Estimate/2+1) * time.Second
		c.log.Debug("content remaining in namespace", "namespace", name, "wait", wait)
		c.queue.AddAfter(name, wait)
	default:
		c.log.Error("deleting namespace, requeuing", "namespace", name, "err", err)
		c.queue.AddRateLimited(name)
	}
	return true
}

func (c *Controller) sync(ctx context.Context, name string) error {
	if _, err := c.lister.Get(name); apierrors.IsNotFound(err) {
		return nil // gone: nothing left to do
	} else if err != nil {
		return fmt.Errorf("namespace %s from the cache: %w", name, err)
	}
	return c.deleter.Delete(ctx, name)
}
