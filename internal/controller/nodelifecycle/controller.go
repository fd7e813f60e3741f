// Package nodelifecycle is kube-controller-manager's node lifecycle
// controller: it watches nodes' heartbeats (the Ready condition's
// lastHeartbeatTime and the node Lease's renewTime), marks a node whose
// kubelet went silent Unknown and its pods not Ready, mirrors node
// conditions into NoSchedule taints at once, and applies the
// not-ready/unreachable NoExecute taints at a per-zone rate — which the
// taint eviction controller then turns into pod deletions.
package nodelifecycle

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	coordlisters "k8s.io/client-go/listers/coordination/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

// Upstream's defaults (kube-controller-manager flags of the same names).
const (
	// DefaultMonitorPeriod is --node-monitor-period.
	DefaultMonitorPeriod = 5 * time.Second
	// DefaultGracePeriod is --node-monitor-grace-period (50 s since v1.32).
	DefaultGracePeriod = 50 * time.Second
	// DefaultStartupGracePeriod is --node-startup-grace-period.
	DefaultStartupGracePeriod = time.Minute
	// DefaultEvictionRate is --node-eviction-rate (nodes tainted per
	// second per zone); DefaultSecondaryEvictionRate applies to large
	// partially disrupted zones.
	DefaultEvictionRate          = 0.1
	DefaultSecondaryEvictionRate = 0.01
	// DefaultLargeClusterSize is --large-cluster-size-threshold and
	// DefaultUnhealthyZoneThreshold --unhealthy-zone-threshold.
	DefaultLargeClusterSize       = 50
	DefaultUnhealthyZoneThreshold = 0.55

	// evictionPeriod is how often the NoExecute queues are drained
	// (upstream's NodeEvictionPeriod).
	evictionPeriod = 100 * time.Millisecond
)

// Options tunes the controller; zero values are upstream's defaults.
type Options struct {
	MonitorPeriod, GracePeriod, StartupGracePeriod time.Duration
	EvictionRate, SecondaryEvictionRate            float32
	LargeClusterSize                               int
	UnhealthyZoneThreshold                         float64
	Log                                            *slog.Logger
}

func (o *Options) defaults() {
	setDefault(&o.MonitorPeriod, DefaultMonitorPeriod)
	setDefault(&o.GracePeriod, DefaultGracePeriod)
	setDefault(&o.StartupGracePeriod, DefaultStartupGracePeriod)
	setDefault(&o.EvictionRate, DefaultEvictionRate)
	setDefault(&o.SecondaryEvictionRate, DefaultSecondaryEvictionRate)
	setDefault(&o.LargeClusterSize, DefaultLargeClusterSize)
	setDefault(&o.UnhealthyZoneThreshold, DefaultUnhealthyZoneThreshold)
	if o.Log == nil {
		o.Log = slog.Default()
	}
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Controller is the node lifecycle controller. Build it with New, start
// the informers, then Run.
type Controller struct {
	client   kubernetes.Interface
	nodes    corelisters.NodeLister
	leases   coordlisters.LeaseLister
	pods     cache.Indexer
	synced   []cache.InformerSynced
	recorder record.EventRecorder
	clock    clock.WithTicker
	log      *slog.Logger
	opts     Options

	// noSchedule holds node names whose NoSchedule taints may need
	// mirroring from their conditions.
	noSchedule workqueue.TypedRateLimitingInterface[string]

	mu sync.Mutex
	// health is what the monitor remembers of each node's heartbeats.
	health map[string]*nodeHealth
	// zones holds the rate-limited NoExecute queue of each zone.
	zones map[string]*zone
}

// New builds the controller on the factory's node, lease and pod
// informers; call it before the factory starts.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder,
	clk clock.WithTicker, opts Options) (*Controller, error) {
	if client == nil || factory == nil || recorder == nil || clk == nil {
		return nil, errors.New("nodelifecycle.New: client, informers, recorder and clock are required")
	}
	opts.defaults()
	c := &Controller{
		client: client, recorder: recorder, clock: clk, log: opts.Log, opts: opts,
		health: map[string]*nodeHealth{},
		zones:  map[string]*zone{},
		noSchedule: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "node_lifecycle_noschedule", Clock: clk}),
	}
	nodeInformer := factory.Core().V1().Nodes().Informer()
	if _, err := nodeInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueNode,
		UpdateFunc: func(_, cur any) { c.enqueueNode(cur) },
		DeleteFunc: c.forgetNode,
	}); err != nil {
		return nil, err
	}
	podInformer := factory.Core().V1().Pods().Informer()
	if err := addNodeNameIndex(podInformer); err != nil {
		return nil, err
	}
	c.nodes = factory.Core().V1().Nodes().Lister()
	c.leases = factory.Coordination().V1().Leases().Lister()
	c.pods = podInformer.GetIndexer()
	c.synced = []cache.InformerSynced{nodeInformer.HasSynced, podInformer.HasSynced,
		factory.Coordination().V1().Leases().Informer().HasSynced}
	return c, nil
}

// Run waits for the caches, then monitors nodes every MonitorPeriod,
// drains the NoExecute queues every 100 ms and mirrors NoSchedule taints,
// until ctx ends.
func (c *Controller) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	defer c.noSchedule.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	wg.Go(func() {
		for c.processNoSchedule(ctx) {
		}
	})
	wg.Go(func() { c.every(ctx, c.opts.MonitorPeriod, c.monitorNodes) })
	wg.Go(func() { c.every(ctx, evictionPeriod, c.taintNoExecute) })
	<-ctx.Done()
}

// every calls f on each tick of period until ctx ends.
func (c *Controller) every(ctx context.Context, period time.Duration, f func(context.Context)) {
	t := c.clock.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
			f(ctx)
		}
	}
}

func (c *Controller) enqueueNode(obj any) {
	if node, ok := obj.(*corev1.Node); ok {
		c.noSchedule.Add(node.Name)
	}
}

func (c *Controller) forgetNode(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.health, key)
	for _, z := range c.zones {
		z.remove(key)
	}
}

func (c *Controller) processNoSchedule(ctx context.Context) bool {
	name, quit := c.noSchedule.Get()
	if quit {
		return false
	}
	defer c.noSchedule.Done(name)
	if err := c.mirrorNoSchedule(ctx, name); err != nil {
		c.log.Debug("mirroring NoSchedule taints, requeuing", "node", name, "err", err)
		c.noSchedule.AddRateLimited(name)
		return true
	}
	c.noSchedule.Forget(name)
	return true
}
