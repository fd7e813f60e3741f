// Package serviceaccount is the ServiceAccount controller: every active
// namespace has a ServiceAccount named "default", created as soon as the
// namespace appears and again whenever it is deleted. It follows
// kube-controller-manager's "serviceaccount" controller (token secrets are
// not its job since v1.24); see docs/endpoints.md.
package serviceaccount

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

// DefaultName is the ServiceAccount every namespace gets.
const DefaultName = "default"

// Options holds the optional parts of a Controller; the zero value is valid.
type Options struct {
	// Names are the ServiceAccounts to ensure; defaults to ["default"].
	Names []string
	// NewRateLimiter defaults to workqueue.DefaultTypedControllerRateLimiter.
	NewRateLimiter func() workqueue.TypedRateLimiter[string]
	// Log defaults to slog.Default().
	Log *slog.Logger
}

// Controller ensures the ServiceAccounts of every namespace.
type Controller struct {
	client     kubernetes.Interface
	names      []string
	log        *slog.Logger
	namespaces corelisters.NamespaceLister
	accounts   corelisters.ServiceAccountLister
	synced     []cache.InformerSynced
	queue      workqueue.TypedRateLimitingInterface[string] // namespace names
}

// New builds a Controller on factory's Namespace and ServiceAccount
// informers; call it before factory.Start, and Run every Controller.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, clk clock.WithTicker, opts Options) (*Controller, error) {
	if client == nil || factory == nil {
		return nil, errors.New("serviceaccount.New: client and informer factory are required")
	}
	if clk == nil {
		clk = clock.RealClock{}
	}
	if len(opts.Names) == 0 {
		opts.Names = []string{DefaultName}
	}
	if opts.NewRateLimiter == nil {
		opts.NewRateLimiter = workqueue.DefaultTypedControllerRateLimiter[string]
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	c := &Controller{
		client: client, names: opts.Names, log: opts.Log,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(opts.NewRateLimiter(),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "serviceaccount", Clock: clk}),
	}
	nsInformer, saInformer := factory.Core().V1().Namespaces(), factory.Core().V1().ServiceAccounts()
	ns, err := nsInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueNamespace,
		UpdateFunc: func(_, cur any) { c.enqueueNamespace(cur) },
	})
	if err != nil {
		c.queue.ShutDown()
		return nil, err
	}
	sa, err := saInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{DeleteFunc: c.accountDeleted})
	if err != nil {
		c.queue.ShutDown()
		return nil, err
	}
	c.namespaces, c.accounts = nsInformer.Lister(), saInformer.Lister()
	c.synced = []cache.InformerSynced{ns.HasSynced, sa.HasSynced}
	return c, nil
}

func (c *Controller) enqueueNamespace(obj any) {
	if ns, ok := obj.(*corev1.Namespace); ok {
		c.queue.Add(ns.Name)
	}
}

// accountDeleted queues the namespace of a deleted ServiceAccount, so a
// deleted "default" comes back.
func (c *Controller) accountDeleted(obj any) {
	if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tombstone.Obj
	}
	if sa, ok := obj.(*corev1.ServiceAccount); ok {
		c.queue.Add(sa.Namespace)
	}
}

// Run waits for the caches and syncs namespaces with workers goroutines
// (upstream runs one) until ctx ends; it returns once they have stopped.
func (c *Controller) Run(ctx context.Context, workers int) {
	var wg sync.WaitGroup
	defer wg.Wait()
	defer c.queue.ShutDown()
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
	if err := c.sync(ctx, key); err != nil {
		c.log.Error("ensuring service accounts, requeuing", "namespace", key, "err", err)
		c.queue.AddRateLimited(key)
		return true
	}
	c.queue.Forget(key)
	return true
}

// sync creates the missing ServiceAccounts of an active namespace. A
// namespace that is gone or terminating gets nothing.
func (c *Controller) sync(ctx context.Context, namespace string) error {
	ns, err := c.namespaces.Get(namespace)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if ns.Status.Phase != corev1.NamespaceActive {
		return nil
	}
	var errs []error
	for _, name := range c.names {
		if _, err := c.accounts.ServiceAccounts(namespace).Get(name); err == nil {
			continue
		}
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}}
		_, err := c.client.CoreV1().ServiceAccounts(namespace).Create(ctx, sa, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) && !apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			errs = append(errs, fmt.Errorf("creating service account %s/%s: %w", namespace, name, err))
		}
	}
	return errors.Join(errs...)
}
