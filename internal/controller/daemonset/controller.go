// Package daemonset is the DaemonSet controller: it keeps one pod of every
// DaemonSet on each node the set's node selector, node affinity and the
// node's taints admit, leaves binding to the scheduler (the pods carry a
// required node affinity on the node's name, as upstream since 1.12),
// rolls template changes out node by node within maxUnavailable and
// maxSurge, records every template as a ControllerRevision and reports the
// counts kubectl rollout status reads.
//
// It speaks only client-go, so it runs unchanged against evictd or a real
// cluster. The behaviour follows kube-controller-manager's DaemonSet
// controller (pkg/controller/daemon); docs/daemonset.md lists what was
// matched and what was left out.
package daemonset

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
	"k8s.io/client-go/util/flowcontrol"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/controller/expectations"
)

const (
	// BurstReplicas caps the pods created or deleted per sync, upstream's
	// value for DaemonSets.
	BurstReplicas = 250

	// failedPodsBackoff bounds how often a failed daemon pod on one node is
	// deleted and recreated: from 1 s doubling to 15 min, as upstream, so
	// the controller does not fight a kubelet that keeps rejecting the pod.
	failedPodsBackoffInitial = time.Second
	failedPodsBackoffMax     = 15 * time.Minute
	// backoffGCInterval is how often expired backoff entries are dropped.
	backoffGCInterval = time.Minute
)

// Options holds the optional parts of a Controller; the zero value is valid.
type Options struct {
	// NewRateLimiter builds the queue's rate limiter. Defaults to
	// workqueue.DefaultTypedControllerRateLimiter; tests with a fake clock
	// pass one that never delays.
	NewRateLimiter func() workqueue.TypedRateLimiter[string]

	// Log receives worker errors and progress. Defaults to slog.Default().
	Log *slog.Logger
}

// Controller is the DaemonSet controller. Build it with New, start the
// informer factory, then call Run.
type Controller struct {
	client   kubernetes.Interface
	recorder record.EventRecorder
	clock    clock.WithTicker
	log      *slog.Logger

	sets      appslisters.DaemonSetLister
	pods      corelisters.PodLister
	nodes     corelisters.NodeLister
	revisions appslisters.ControllerRevisionLister
	synced    []cache.InformerSynced

	// expectations counts the creations and deletions of each set not yet
	// seen in the pod cache; a set acts again only once they are.
	expectations *expectations.Expectations
	// failedPodsBackoff is keyed by set UID and node name.
	failedPodsBackoff *flowcontrol.Backoff

	queue workqueue.TypedRateLimitingInterface[string]
}

// New builds a Controller and registers its handlers on the DaemonSet,
// ControllerRevision, pod and node informers of factory, so it must be
// called before factory.Start. Its queue runs timers on clk; Run shuts it
// down, so every Controller must be Run.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder,
	clk clock.WithTicker, opts Options) (*Controller, error) {
	if client == nil || factory == nil || recorder == nil {
		return nil, errors.New("daemonset.New: client, informer factory and recorder are required")
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
	// NewFakeBackOff is the constructor taking a clock; nothing fake in it.
	backoff := flowcontrol.NewFakeBackOff(failedPodsBackoffInitial, failedPodsBackoffMax, clk)
	c := &Controller{
		client:            client,
		recorder:          recorder,
		clock:             clk,
		log:               opts.Log,
		expectations:      expectations.New(clk),
		failedPodsBackoff: backoff,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(opts.NewRateLimiter(), workqueue.TypedRateLimitingQueueConfig[string]{
			Name:  "daemonset",
			Clock: clk,
			DelayingQueue: workqueue.NewTypedDelayingQueueWithConfig(workqueue.TypedDelayingQueueConfig[string]{
				Name: "daemonset", Clock: clk,
			}),
		}),
	}
	if err := c.watch(factory); err != nil {
		c.queue.ShutDown()
		return nil, err
	}
	return c, nil
}

// Run waits for the informer caches, then syncs DaemonSets with workers
// goroutines (values below 1 mean 1) until ctx ends, and returns once every
// goroutine it started has stopped.
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
	ticker := c.clock.NewTicker(backoffGCInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C():
			c.failedPodsBackoff.GC()
		}
	}
}

// processNext syncs one key. An error requeues it rate-limited; success
// resets its backoff.
func (c *Controller) processNext(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	if err := c.sync(ctx, key); err != nil {
		c.log.Error("syncing DaemonSet, requeuing", "daemonset", key, "err", err)
		c.queue.AddRateLimited(key)
		return true
	}
	c.queue.Forget(key)
	return true
}
