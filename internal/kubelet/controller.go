package kubelet

import (
	"context"
	"log/slog"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

const (
	// podWorkers sync pods; a sync is a few map lookups and at most two
	// writes, so the workers mostly wait on the API server. A real node
	// runs a goroutine per pod, and the scheduler binds 64 at a time:
	// with 4 workers the status writes queued behind the bindings and
	// pods became Ready seconds after they were bound.
	podWorkers = 32
	// nodeWorkers send heartbeats: two writes per node every 10 s.
	nodeWorkers = 2
)

// controller runs a Simulator's nodes and pods on one clientset, the shared
// pod and node informers and one clock.
type controller struct {
	sim      *Simulator
	client   kubernetes.Interface
	clock    clock.WithTicker
	log      *slog.Logger
	recorder func(node string) record.EventRecorder

	pods   corelisters.PodLister
	nodes  corelisters.NodeLister
	synced []cache.InformerSynced

	// podQueue holds pod keys, each until its next transition is due;
	// nodeQueue holds node names until their next heartbeat.
	podQueue  workqueue.TypedRateLimitingInterface[string]
	nodeQueue workqueue.TypedRateLimitingInterface[string]

	recorders sync.Map // node name → record.EventRecorder
}

// newController registers the pod handlers on factory's pod informer, so
// it must be called before the factory starts.
func newController(sim *Simulator, client kubernetes.Interface, factory informers.SharedInformerFactory, clk clock.WithTicker,
	recorder func(node string) record.EventRecorder, log *slog.Logger) (*controller, error) {
	c := &controller{
		sim: sim, client: client, clock: clk, log: log, recorder: recorder,
		podQueue:  newQueue(clk, "kubelet_pods"),
		nodeQueue: newQueue(clk, "kubelet_nodes"),
	}
	podInformer := factory.Core().V1().Pods()
	reg, err := podInformer.Informer().AddEventHandler(cache.FilteringResourceEventHandler{
		FilterFunc: sim.runsHere,
		Handler: cache.ResourceEventHandlerFuncs{
			AddFunc:    c.enqueuePod,
			UpdateFunc: func(_, cur any) { c.enqueuePod(cur) },
			DeleteFunc: c.enqueuePod,
		},
	})
	if err != nil {
		c.shutDown()
		return nil, err
	}
	nodeInformer := factory.Core().V1().Nodes()
	c.pods, c.nodes = podInformer.Lister(), nodeInformer.Lister()
	c.synced = []cache.InformerSynced{reg.HasSynced, nodeInformer.Informer().HasSynced}
	return c, nil
}

func newQueue(clk clock.WithTicker, name string) workqueue.TypedRateLimitingInterface[string] {
	return workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
		workqueue.TypedRateLimitingQueueConfig[string]{
			Name:          name,
			Clock:         clk,
			DelayingQueue: workqueue.NewTypedDelayingQueueWithConfig(workqueue.TypedDelayingQueueConfig[string]{Clock: clk, Name: name}),
		})
}

// runsHere reports whether obj (a pod or its tombstone) is bound to one of
// the simulated nodes.
func (s *Simulator) runsHere(obj any) bool {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	return ok && s.nodes[pod.Spec.NodeName] != nil
}

func (c *controller) enqueuePod(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		c.log.Error("pod key", "err", err)
		return
	}
	c.podQueue.Add(key)
}

// run waits for the caches, queues every node's first heartbeat and works
// until ctx ends; it returns once its workers have stopped.
func (c *controller) run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	defer c.shutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	c.sim.attach(c.clock, c.nodeQueue.Add)
	defer c.sim.attach(nil, nil)
	for _, name := range c.sim.names {
		c.nodeQueue.Add(name)
	}
	for range podWorkers {
		wg.Go(func() {
			for c.processNextPod(ctx) {
			}
		})
	}
	for range nodeWorkers {
		wg.Go(func() {
			for c.processNextNode(ctx) {
			}
		})
	}
	<-ctx.Done()
}

func (c *controller) shutDown() {
	c.podQueue.ShutDown()
	c.nodeQueue.ShutDown()
}

// processNextPod syncs one pod; an error retries it rate-limited (a
// conflict, a failed write), success forgets its back-off.
func (c *controller) processNextPod(ctx context.Context) bool {
	key, quit := c.podQueue.Get()
	if quit {
		return false
	}
	defer c.podQueue.Done(key)
	if err := c.syncPod(ctx, key); err != nil {
		c.log.Info("syncing pod, retrying", "pod", key, "err", err)
		c.podQueue.AddRateLimited(key)
		return true
	}
	c.podQueue.Forget(key)
	return true
}

// processNextNode sends one heartbeat and queues the next one; a failed
// heartbeat is retried at the next period, as the kubelet does.
func (c *controller) processNextNode(ctx context.Context) bool {
	name, quit := c.nodeQueue.Get()
	if quit {
		return false
	}
	defer c.nodeQueue.Done(name)
	next, err := c.syncNode(ctx, name)
	if err != nil {
		c.log.Info("node heartbeat failed", "node", name, "err", err)
	}
	if !next.IsZero() {
		c.nodeQueue.AddAfter(name, next.Sub(c.clock.Now()))
	}
	return true
}

// recorderFor is the event recorder of node's kubelet.
func (c *controller) recorderFor(node string) record.EventRecorder {
	if r, ok := c.recorders.Load(node); ok {
		return r.(record.EventRecorder)
	}
	r, _ := c.recorders.LoadOrStore(node, c.recorder(node))
	return r.(record.EventRecorder)
}
