// Package deployment is the Deployment controller: it rolls a Deployment's
// pod template out as one ReplicaSet per template revision, named
// "<deployment>-<pod-template-hash>", with the RollingUpdate (maxSurge,
// maxUnavailable) or Recreate strategy, scales the ReplicaSets
// proportionally when the Deployment is scaled mid-rollout, deletes old
// ReplicaSets beyond revisionHistoryLimit, and keeps the Deployment's
// status (counters, Progressing and Available conditions, revision
// annotation) in the shape kubectl rollout status, history, undo, restart,
// pause and resume expect. Pods are the ReplicaSet controller's job.
//
// It speaks only client-go, so it runs unchanged against evictd or a real
// cluster. The behaviour follows kube-controller-manager's deployment
// controller; see docs/deployment.md.
package deployment

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

const (
	// EventComponent is the source of the events this controller records,
	// as kube-controller-manager's deployment controller.
	EventComponent = "deployment-controller"

	// Workers is kube-controller-manager's --concurrent-deployment-syncs
	// default.
	Workers = 5

	// maxRetries is how many times a failing Deployment is retried with
	// backoff before it is dropped until its next event (upstream's value;
	// at 5 ms doubling the last retry is ~80 s after the first).
	maxRetries = 15
)

// Options holds the optional parts of a Controller; the zero value is valid.
type Options struct {
	// NewRateLimiter builds the queue's rate limiter. Defaults to
	// workqueue.DefaultTypedControllerRateLimiter (5 ms → 1000 s per key,
	// 10 qps / burst 100 overall); tests with a fake clock pass one that
	// never delays.
	NewRateLimiter func() workqueue.TypedRateLimiter[string]
	// Log receives worker errors. Defaults to slog.Default().
	Log *slog.Logger
}

// Controller is the Deployment controller. Build it with New, start the
// informer factory, then call Run.
type Controller struct {
	client   kubernetes.Interface
	recorder record.EventRecorder
	clock    clock.WithTicker
	log      *slog.Logger

	deployments appslisters.DeploymentLister
	rss         appslisters.ReplicaSetLister
	pods        corelisters.PodLister
	synced      []cache.InformerSynced

	// queue holds Deployment keys (namespace/name).
	queue workqueue.TypedRateLimitingInterface[string]
}

// New builds a Controller and registers its handlers on the Deployment,
// ReplicaSet and pod informers of factory, so it must be called before
// factory.Start. Its queue runs timers on clk; Run shuts it down, so every
// Controller must be Run (possibly with a cancelled context).
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder,
	clk clock.WithTicker, opts Options) (*Controller, error) {
	if client == nil || factory == nil || recorder == nil {
		return nil, errors.New("deployment.New: client, informer factory and recorder are required")
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
			Name:  "deployment",
			Clock: clk,
			DelayingQueue: workqueue.NewTypedDelayingQueueWithConfig(workqueue.TypedDelayingQueueConfig[string]{
				Name: "deployment", Clock: clk,
			}),
		}),
	}
	if err := c.watch(factory); err != nil {
		c.queue.ShutDown()
		return nil, err
	}
	return c, nil
}

// Run waits for the caches, then runs workers goroutines (values below 1
// mean 1) until ctx ends, and returns once they have all stopped.
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
	c.handleErr(key, c.syncDeployment(ctx, key))
	return true
}

// handleErr retries a failed key with backoff up to maxRetries times. A
// namespace being deleted is not an error worth retrying: every create
// there fails until the namespace is gone.
func (c *Controller) handleErr(key string, err error) {
	if err == nil || apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
		c.queue.Forget(key)
		return
	}
	if c.queue.NumRequeues(key) < maxRetries {
		c.log.Debug("syncing Deployment, requeuing", "deployment", key, "err", err)
		c.queue.AddRateLimited(key)
		return
	}
	c.log.Error("dropping Deployment out of the queue", "deployment", key, "err", err)
	c.queue.Forget(key)
}

func (c *Controller) enqueue(d *appsv1.Deployment) {
	key, err := cache.MetaNamespaceKeyFunc(d)
	if err != nil {
		c.log.Error("Deployment key", "err", err)
		return
	}
	c.queue.Add(key)
}

func (c *Controller) enqueueAfter(d *appsv1.Deployment, after time.Duration) {
	key, err := cache.MetaNamespaceKeyFunc(d)
	if err != nil {
		c.log.Error("Deployment key", "err", err)
		return
	}
	c.queue.AddAfter(key, after)
}
