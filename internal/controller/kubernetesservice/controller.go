// Package kubernetesservice keeps the "kubernetes" Service in "default"
// and its Endpoints and EndpointSlice pointing at the API server, so that
// in-cluster clients find it at kubernetes.default.svc. In kube-apiserver
// this is the bootstrap controller and the lease endpoint reconciler; here
// it is a client-go component. The Service has no selector, so the
// Endpoints and EndpointSlice controllers leave it alone.
package kubernetesservice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

const (
	// ServiceName is the Service's (and its Endpoints' and slice's) name.
	ServiceName = "kubernetes"
	// DefaultServiceIP is the first address of the default service CIDR
	// 10.96.0.0/12, which the API server keeps for this Service.
	DefaultServiceIP = "10.96.0.1"
	// DefaultInterval is how often everything is checked even without an
	// event (kube-apiserver's endpoint reconciler interval).
	DefaultInterval = 10 * time.Second
	// servicePort is the Service's port; the API server's own port is the
	// target.
	servicePort = 443
	portName    = "https"
	// queueKey is the one key of the queue.
	queueKey = "default/kubernetes"
)

// Options holds the optional parts of a Controller; the zero value is valid.
type Options struct {
	// ServiceIP is the Service's cluster IP; defaults to DefaultServiceIP.
	ServiceIP string
	// Interval defaults to DefaultInterval.
	Interval time.Duration
	// Log defaults to slog.Default().
	Log *slog.Logger
}

// Controller creates and repairs the "kubernetes" Service, Endpoints and
// EndpointSlice.
type Controller struct {
	client    kubernetes.Interface
	address   netip.Addr
	port      int32
	serviceIP string
	interval  time.Duration
	clock     clock.WithTicker
	log       *slog.Logger

	services  corelisters.ServiceLister
	endpoints corelisters.EndpointsLister
	synced    []cache.InformerSynced
	queue     workqueue.TypedRateLimitingInterface[string]

	// slicesUnserved logs the absence of the EndpointSlice API once.
	slicesUnserved sync.Once
}

// New builds a Controller publishing address:port (the API server's
// advertised address, see AdvertiseAddress) on factory's Service and
// Endpoints informers. The EndpointSlice is read and written directly, so
// the controller works on a server that does not serve slices (it logs).
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, address netip.Addr, port int32,
	clk clock.WithTicker, opts Options) (*Controller, error) {
	if client == nil || factory == nil || !address.IsValid() || port <= 0 {
		return nil, errors.New("kubernetesservice.New: client, informer factory, address and port are required")
	}
	if clk == nil {
		clk = clock.RealClock{}
	}
	if opts.ServiceIP == "" {
		opts.ServiceIP = DefaultServiceIP
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	c := &Controller{
		client: client, address: address, port: port, serviceIP: opts.ServiceIP,
		interval: opts.Interval, clock: clk, log: opts.Log,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "kubernetes_service", Clock: clk}),
	}
	if err := c.watch(factory); err != nil {
		c.queue.ShutDown()
		return nil, err
	}
	return c, nil
}

// watch queues the one key on any event about default/kubernetes.
func (c *Controller) watch(factory informers.SharedInformerFactory) error {
	handler := cache.FilteringResourceEventHandler{
		FilterFunc: isOurs,
		Handler: cache.ResourceEventHandlerFuncs{
			AddFunc:    func(any) { c.queue.Add(queueKey) },
			UpdateFunc: func(any, any) { c.queue.Add(queueKey) },
			DeleteFunc: func(any) { c.queue.Add(queueKey) },
		},
	}
	svcInformer, epInformer := factory.Core().V1().Services(), factory.Core().V1().Endpoints()
	svcs, err := svcInformer.Informer().AddEventHandler(handler)
	if err != nil {
		return err
	}
	eps, err := epInformer.Informer().AddEventHandler(handler)
	if err != nil {
		return err
	}
	c.services, c.endpoints = svcInformer.Lister(), epInformer.Lister()
	c.synced = []cache.InformerSynced{svcs.HasSynced, eps.HasSynced}
	return nil
}

func isOurs(obj any) bool {
	if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return tombstone.Key == queueKey
	}
	m, err := metaOf(obj)
	return err == nil && m.GetNamespace() == metav1.NamespaceDefault && m.GetName() == ServiceName
}

func metaOf(obj any) (metav1.Object, error) {
	m, ok := obj.(metav1.Object)
	if !ok {
		return nil, fmt.Errorf("%T has no object metadata", obj)
	}
	return m, nil
}

// Run waits for the caches, then reconciles on every event and every
// interval until ctx ends; it returns once its goroutines have stopped.
func (c *Controller) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	c.queue.Add(queueKey)
	wg.Go(func() {
		for c.processNext(ctx) {
		}
	})
	wg.Go(func() { c.tick(ctx) })
	<-ctx.Done()
}

// tick queues the key every interval, repairing what no event reported
// (an EndpointSlice, which is not watched).
func (c *Controller) tick(ctx context.Context) {
	t := c.clock.NewTicker(c.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
			c.queue.Add(queueKey)
		}
	}
}

func (c *Controller) processNext(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	if err := c.sync(ctx); err != nil {
		c.log.Error("reconciling the kubernetes service, requeuing", "err", err)
		c.queue.AddRateLimited(key)
		return true
	}
	c.queue.Forget(key)
	return true
}

// desiredService is the Service as kube-apiserver creates it.
func (c *Controller) desiredService() *corev1.Service {
	single := corev1.IPFamilyPolicySingleStack
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{
			Name: ServiceName, Namespace: metav1.NamespaceDefault,
			Labels: map[string]string{"provider": "kubernetes", "component": "apiserver"},
		},
		Spec: corev1.ServiceSpec{
			Ports: []corev1.ServicePort{{
				Name: portName, Protocol: corev1.ProtocolTCP, Port: servicePort, TargetPort: intstr.FromInt32(c.port),
			}},
			ClusterIP:       c.serviceIP,
			IPFamilyPolicy:  &single,
			SessionAffinity: corev1.ServiceAffinityNone,
			Type:            corev1.ServiceTypeClusterIP,
		},
	}
}

func (c *Controller) endpointPorts() []corev1.EndpointPort {
	return []corev1.EndpointPort{{Name: portName, Port: c.port, Protocol: corev1.ProtocolTCP}}
}
