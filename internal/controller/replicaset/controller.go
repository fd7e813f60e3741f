// Package replicaset is the ReplicaSet controller and, on the same code,
// the ReplicationController manager: each keeps the number of active pods
// it owns equal to spec.replicas, creating pods from its template and
// deleting the least valuable surplus pods, and reports the counts in its
// status. A pod that gets a deletionTimestamp stops counting at once, so
// its replacement is created while it terminates.
//
// It speaks only client-go, so it runs unchanged against evictd or a real
// cluster. The behaviour follows kube-controller-manager's
// pkg/controller/replicaset (the RC manager there wraps it with RC⇄RS
// conversion, as here); see the spec controllers-kubelet.md §4 and
// docs/replicaset.md.
package replicaset

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/controller/expectations"
)

const (
	// BurstReplicas caps the pods created or deleted by one sync, so a
	// large scale change is spread over several syncs (each waits for the
	// previous one's pods to show up in the cache).
	BurstReplicas = 500

	// DefaultWorkers is --concurrent-replicaset-syncs (and
	// --concurrent-rc-syncs).
	DefaultWorkers = 5

	// EventComponent and RCEventComponent are the events' source, as
	// kube-controller-manager names them.
	EventComponent   = "replicaset-controller"
	RCEventComponent = "replication-controller"

	// slowStartInitialBatchSize is the first batch of creations; each
	// following batch doubles, so a quota or admission error costs one
	// failed call rather than hundreds.
	slowStartInitialBatchSize = 1

	// statusUpdateRetries is how many times a conflicting status write is
	// retried after a fresh GET.
	statusUpdateRetries = 1
)

// Options holds the optional parts of a Controller; the zero value is valid.
type Options struct {
	// BurstReplicas overrides BurstReplicas when positive.
	BurstReplicas int

	// DisableTerminatingReplicas leaves status.terminatingReplicas unset
	// (nil), as with the feature gate DeploymentReplicaSetTerminatingReplicas
	// off. The gate is beta and on by default since v1.35, so the field is
	// set by default. The ReplicationController manager never sets it.
	DisableTerminatingReplicas bool

	// NewRateLimiter builds the queue's rate limiter. Defaults to
	// workqueue.DefaultTypedControllerRateLimiter (5 ms → 1000 s per key,
	// 10 qps / burst 100 overall). Delays elapse on the injected clock.
	NewRateLimiter func() workqueue.TypedRateLimiter[string]

	// Log receives worker errors and progress. Defaults to slog.Default().
	Log *slog.Logger
}

// Controller is the ReplicaSet controller or the ReplicationController
// manager. Build it with New or NewReplicationManager, start the informer
// factory, then call Run.
type Controller struct {
	client   kubernetes.Interface
	kind     workloads
	pods     corelisters.PodLister
	podIndex cache.Indexer // by controllerUIDIndex
	recorder record.EventRecorder
	clock    clock.WithTicker
	log      *slog.Logger

	burst       int
	terminating bool

	// expectations tracks creations by count and deletions by pod key
	// ("namespace/name"), per workload key.
	expectations *expectations.UIDTracking
	queue        workqueue.TypedRateLimitingInterface[string]
	synced       []cache.InformerSynced
}

// New builds the ReplicaSet controller and registers its handlers on the
// pod and ReplicaSet informers of factory, so it must be called before
// factory.Start. Every Controller must be Run (its queue runs timers on clk
// until Run shuts it down).
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder,
	clk clock.WithTicker, opts Options) (*Controller, error) {
	if factory == nil {
		return nil, errors.New("replicaset.New: informer factory is required")
	}
	return newController(client, factory, replicaSets(client, factory), recorder, clk, opts)
}

// NewReplicationManager builds the ReplicationController manager: the same
// controller over ReplicationControllers (never setting
// terminatingReplicas).
func NewReplicationManager(client kubernetes.Interface, factory informers.SharedInformerFactory,
	recorder record.EventRecorder, clk clock.WithTicker, opts Options) (*Controller, error) {
	if factory == nil {
		return nil, errors.New("replicaset.NewReplicationManager: informer factory is required")
	}
	opts.DisableTerminatingReplicas = true
	return newController(client, factory, replicationControllers(client, factory), recorder, clk, opts)
}

func newController(client kubernetes.Interface, factory informers.SharedInformerFactory, kind workloads,
	recorder record.EventRecorder, clk clock.WithTicker, opts Options) (*Controller, error) {
	if client == nil || recorder == nil {
		return nil, errors.New("replicaset: client and recorder are required")
	}
	if clk == nil {
		clk = clock.RealClock{}
	}
	if opts.BurstReplicas <= 0 {
		opts.BurstReplicas = BurstReplicas
	}
	if opts.NewRateLimiter == nil {
		opts.NewRateLimiter = workqueue.DefaultTypedControllerRateLimiter[string]
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	name := kind.gvk().Kind
	c := &Controller{
		client:       client,
		kind:         kind,
		recorder:     recorder,
		clock:        clk,
		log:          opts.Log,
		burst:        opts.BurstReplicas,
		terminating:  !opts.DisableTerminatingReplicas,
		expectations: expectations.NewUIDTracking(clk),
		queue:        newQueue(clk, name, opts.NewRateLimiter()),
	}
	if err := c.watch(factory); err != nil {
		c.queue.ShutDown()
		return nil, err
	}
	return c, nil
}

func newQueue(clk clock.WithTicker, name string, limiter workqueue.TypedRateLimiter[string]) workqueue.TypedRateLimitingInterface[string] {
	return workqueue.NewTypedRateLimitingQueueWithConfig(limiter, workqueue.TypedRateLimitingQueueConfig[string]{
		Name:  name,
		Clock: clk,
		DelayingQueue: workqueue.NewTypedDelayingQueueWithConfig(workqueue.TypedDelayingQueueConfig[string]{
			Clock: clk, Name: name,
		}),
	})
}

// Run waits for the informer caches, then syncs workload keys with workers
// goroutines (values below 1 mean 1) until ctx ends, and returns once they
// have all stopped.
func (c *Controller) Run(ctx context.Context, workers int) {
	var wg sync.WaitGroup
	defer wg.Wait()
	defer c.queue.ShutDown()

	c.log.Info("starting", "workers", workers)
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
		c.log.Error("sync, requeuing", "key", key, "err", err)
		c.queue.AddRateLimited(key)
		return true
	}
	c.queue.Forget(key)
	return true
}
