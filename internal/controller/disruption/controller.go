// Package disruption is the PodDisruptionBudget controller: it keeps every
// PDB's status (expectedPods, desiredHealthy, currentHealthy,
// disruptionsAllowed, disruptedPods and the DisruptionAllowed condition) in
// step with the pods it selects, so that the eviction subresource can decide
// from the status alone. It also reverts DisruptionTarget pod conditions that
// were never followed by a deletion.
//
// It speaks only client-go (informers, typed clients, the scale client and a
// RESTMapper), so it runs unchanged against evictd or a real cluster. The
// behaviour follows kube-controller-manager's disruption controller; see
// the spec controllers-kubelet.md §2.
package disruption

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	policylisters "k8s.io/client-go/listers/policy/v1"
	"k8s.io/client-go/scale"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

const (
	// DeletionTimeout is how long an entry of status.disruptedPods (an eviction
	// the API server approved) is trusted without the controller seeing the pod
	// get a deletionTimestamp. After it the pod counts as healthy again and the
	// entry is dropped with a NotDeleted event. Two minutes is upstream's value;
	// it assumes apiserver→controller latency of a second or two and clocks
	// kept in sync between the API server and the controller.
	DeletionTimeout = 2 * time.Minute

	// stalePodDisruptionTimeout is how long a pod may carry DisruptionTarget=True
	// without being deleted before the controller flips it back to False
	// (the eviction wrote the condition but its delete never happened).
	stalePodDisruptionTimeout = 2 * time.Minute

	// EventComponent is the source component of the events this controller
	// records, the same as kube-controller-manager's disruption controller.
	EventComponent = "controllermanager"
)

// Options holds the optional parts of a Controller; the zero value is valid.
type Options struct {
	// Discovery tells, when a GET of an owner's /scale answers NotFound,
	// whether the owner is missing or its resource has no scale subresource.
	// Defaults to the clientset's discovery client.
	Discovery discovery.DiscoveryInterface

	// NewRateLimiter builds the rate limiter of each rate-limited queue (a
	// fresh one per queue: it counts retries per key). Defaults to
	// workqueue.DefaultTypedControllerRateLimiter (5 ms → 1000 s per key,
	// 10 qps / burst 100 overall). The limiter computes each delay (its token
	// bucket reads the wall clock) but the delay elapses on the injected
	// clock, so tests with a fake clock pass a limiter that never delays.
	NewRateLimiter func() workqueue.TypedRateLimiter[string]

	// Log receives worker errors and progress. Defaults to slog.Default().
	Log *slog.Logger
}

// Controller is the disruption controller. Build it with New, start the
// informer factory, then call Run.
type Controller struct {
	client    kubernetes.Interface
	scales    scale.ScalesGetter
	mapper    meta.RESTMapper
	discovery discovery.DiscoveryInterface
	recorder  record.EventRecorder
	clock     clock.WithTicker
	log       *slog.Logger

	pdbs    policylisters.PodDisruptionBudgetLister
	pods    corelisters.PodLister
	rcs     corelisters.ReplicationControllerLister
	rss     appslisters.ReplicaSetLister
	deploys appslisters.DeploymentLister
	sets    appslisters.StatefulSetLister
	synced  []cache.InformerSynced
	// selectors caches the PDBs' parsed selectors for the pod handlers.
	selectors *selectors

	// queue holds PDB keys to sync.
	queue workqueue.TypedRateLimitingInterface[string]
	// recheckQueue holds PDB keys until their earliest disruptedPods entry
	// expires; its worker moves them to queue.
	recheckQueue workqueue.TypedDelayingInterface[string]
	// staleQueue holds pod keys whose DisruptionTarget condition may be stale.
	staleQueue workqueue.TypedRateLimitingInterface[string]
}

// New builds a Controller and registers its event handlers on the pod and
// PDB informers of factory (and its listers on the workload informers), so
// it must be called before factory.Start. The queues it creates run timers on
// clk; Run shuts them down, so every Controller must be Run (possibly with an
// already-cancelled context).
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, scales scale.ScalesGetter,
	mapper meta.RESTMapper, recorder record.EventRecorder, clk clock.WithTicker, opts Options) (*Controller, error) {
	if client == nil || factory == nil || scales == nil || mapper == nil || recorder == nil {
		return nil, errors.New("disruption.New: client, informer factory, scale client, RESTMapper and recorder are required")
	}
	if clk == nil {
		clk = clock.RealClock{}
	}
	if opts.Discovery == nil {
		opts.Discovery = client.Discovery()
	}
	if opts.NewRateLimiter == nil {
		opts.NewRateLimiter = workqueue.DefaultTypedControllerRateLimiter[string]
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	c := &Controller{
		client:       client,
		scales:       scales,
		mapper:       mapper,
		discovery:    opts.Discovery,
		recorder:     recorder,
		clock:        clk,
		log:          opts.Log,
		queue:        newRateLimitingQueue(clk, "disruption", opts.NewRateLimiter()),
		recheckQueue: newDelayingQueue(clk, "disruption_recheck"),
		staleQueue:   newRateLimitingQueue(clk, "stale_pod_disruption", opts.NewRateLimiter()),
		selectors:    newSelectors(),
	}
	if err := c.watch(factory); err != nil {
		c.shutDownQueues()
		return nil, err
	}
	return c, nil
}

func newDelayingQueue(clk clock.WithTicker, name string) workqueue.TypedDelayingInterface[string] {
	return workqueue.NewTypedDelayingQueueWithConfig(workqueue.TypedDelayingQueueConfig[string]{Clock: clk, Name: name})
}

func newRateLimitingQueue(clk clock.WithTicker, name string, limiter workqueue.TypedRateLimiter[string]) workqueue.TypedRateLimitingInterface[string] {
	return workqueue.NewTypedRateLimitingQueueWithConfig(limiter, workqueue.TypedRateLimitingQueueConfig[string]{
		Name:          name,
		Clock:         clk,
		DelayingQueue: newDelayingQueue(clk, name),
	})
}

// watch takes the listers and registers the handlers. Only pods and PDBs
// have handlers: a workload's scale change is seen at the PDB's next sync,
// as upstream.
func (c *Controller) watch(factory informers.SharedInformerFactory) error {
	podInformer := factory.Core().V1().Pods()
	pods, err := podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.addPod,
		UpdateFunc: c.updatePod,
		DeleteFunc: c.deletePod,
	})
	if err != nil {
		return err
	}
	pdbInformer := factory.Policy().V1().PodDisruptionBudgets()
	pdbs, err := pdbInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueuePDB,
		UpdateFunc: func(_, cur any) { c.enqueuePDB(cur) },
		DeleteFunc: c.deletePDB,
	})
	if err != nil {
		return err
	}
	c.pods, c.pdbs = podInformer.Lister(), pdbInformer.Lister()
	c.rcs = factory.Core().V1().ReplicationControllers().Lister()
	c.rss = factory.Apps().V1().ReplicaSets().Lister()
	c.deploys = factory.Apps().V1().Deployments().Lister()
	c.sets = factory.Apps().V1().StatefulSets().Lister()
	c.synced = []cache.InformerSynced{
		pods.HasSynced, pdbs.HasSynced,
		factory.Core().V1().ReplicationControllers().Informer().HasSynced,
		factory.Apps().V1().ReplicaSets().Informer().HasSynced,
		factory.Apps().V1().Deployments().Informer().HasSynced,
		factory.Apps().V1().StatefulSets().Informer().HasSynced,
	}
	return nil
}

// Run waits for the informer caches, then drains the three queues until ctx
// ends, and returns once every goroutine it started has stopped. workers is
// the number of goroutines syncing PDBs (upstream runs exactly one; values
// below 1 mean 1); the recheck and stale-pod queues always have one each.
func (c *Controller) Run(ctx context.Context, workers int) {
	var wg sync.WaitGroup
	defer wg.Wait()
	// Shutting the queues down ends the workers, after ctx ends or when the
	// caches never sync.
	defer c.shutDownQueues()

	c.log.Info("starting")
	defer c.log.Info("stopped")
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	for range max(workers, 1) {
		wg.Go(func() {
			for c.processNextPDB(ctx) {
			}
		})
	}
	wg.Go(func() {
		for c.processNextRecheck() {
		}
	})
	wg.Go(func() {
		for c.processNextStalePod(ctx) {
		}
	})
	<-ctx.Done()
}

func (c *Controller) shutDownQueues() {
	c.queue.ShutDown()
	c.recheckQueue.ShutDown()
	c.staleQueue.ShutDown()
}

// processNextPDB syncs one PDB key. An error requeues the key rate-limited,
// with no cap on retries; success resets its backoff.
func (c *Controller) processNextPDB(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	if err := c.sync(ctx, key); err != nil {
		c.logRequeue(ctx, "syncing PodDisruptionBudget, requeuing", "pdb", key, err)
		c.queue.AddRateLimited(key)
		return true
	}
	c.queue.Forget(key)
	return true
}

// processNextRecheck moves a PDB whose disruptedPods entry just expired into
// the main queue.
func (c *Controller) processNextRecheck() bool {
	key, quit := c.recheckQueue.Get()
	if quit {
		return false
	}
	defer c.recheckQueue.Done(key)
	c.queue.AddRateLimited(key)
	return true
}

func (c *Controller) processNextStalePod(ctx context.Context) bool {
	key, quit := c.staleQueue.Get()
	if quit {
		return false
	}
	defer c.staleQueue.Done(key)
	if err := c.syncStalePod(ctx, key); err != nil {
		c.logRequeue(ctx, "clearing stale DisruptionTarget condition, requeuing", "pod", key, err)
		c.staleQueue.AddRateLimited(key)
		return true
	}
	c.staleQueue.Forget(key)
	return true
}

// logRequeue says why a key is retried. A 409 Conflict is expected — an
// eviction or another writer changed the object since the cache read it —
// and the retry resolves it, so it is DEBUG; anything else is an ERROR.
func (c *Controller) logRequeue(ctx context.Context, msg, kind, key string, err error) {
	level := slog.LevelError
	if apierrors.IsConflict(err) {
		level = slog.LevelDebug
	}
	c.log.Log(ctx, level, msg, kind, key, "err", err)
}
