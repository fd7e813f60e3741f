// Package rootcacert is the root CA certificate publisher: every namespace
// has a ConfigMap "kube-root-ca.crt" whose data "ca.crt" is the cluster's
// CA bundle (projected service account volumes mount it), restored when it
// is edited or deleted. It follows kube-controller-manager's
// root-ca-cert-publisher; see docs/endpoints.md.
package rootcacert

import (
	"context"
	"errors"
	"log/slog"
	"maps"
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

const (
	// ConfigMapName is the ConfigMap published in every namespace.
	ConfigMapName = "kube-root-ca.crt"
	// DataKey holds the PEM bundle.
	DataKey = "ca.crt"
	// DescriptionAnnotation and Description tell readers what the
	// ConfigMap is for, with upstream's words.
	DescriptionAnnotation = "kubernetes.io/description"
	Description           = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. " +
		"No other usage is guaranteed across distributions of Kubernetes clusters."
)

// Options holds the optional parts of a Publisher; the zero value is valid.
type Options struct {
	// NewRateLimiter defaults to workqueue.DefaultTypedControllerRateLimiter.
	NewRateLimiter func() workqueue.TypedRateLimiter[string]
	// Log defaults to slog.Default().
	Log *slog.Logger
}

// Publisher keeps kube-root-ca.crt in every namespace.
type Publisher struct {
	client     kubernetes.Interface
	caPEM      []byte
	log        *slog.Logger
	configMaps corelisters.ConfigMapLister
	synced     []cache.InformerSynced
	queue      workqueue.TypedRateLimitingInterface[string] // namespace names
}

// New builds a Publisher of caPEM on factory's Namespace and ConfigMap
// informers; call it before factory.Start, and Run every Publisher.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, caPEM []byte, clk clock.WithTicker, opts Options) (*Publisher, error) {
	if client == nil || factory == nil || len(caPEM) == 0 {
		return nil, errors.New("rootcacert.New: client, informer factory and CA bundle are required")
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
	p := &Publisher{
		client: client, caPEM: caPEM, log: opts.Log,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(opts.NewRateLimiter(),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "root_ca_cert_publisher", Clock: clk}),
	}
	if err := p.watch(factory); err != nil {
		p.queue.ShutDown()
		return nil, err
	}
	return p, nil
}

// watch: a namespace is synced when added and on every update while
// active; the ConfigMap's namespace when it is edited or deleted.
func (p *Publisher) watch(factory informers.SharedInformerFactory) error {
	nsInformer, cmInformer := factory.Core().V1().Namespaces(), factory.Core().V1().ConfigMaps()
	ns, err := nsInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { p.queue.Add(obj.(*corev1.Namespace).Name) },
		UpdateFunc: func(_, cur any) {
			if ns := cur.(*corev1.Namespace); ns.Status.Phase == corev1.NamespaceActive {
				p.queue.Add(ns.Name)
			}
		},
	})
	if err != nil {
		return err
	}
	cms, err := cmInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, cur any) { p.configMapChanged(cur) },
		DeleteFunc: p.configMapChanged,
	})
	if err != nil {
		return err
	}
	p.configMaps = cmInformer.Lister()
	p.synced = []cache.InformerSynced{ns.HasSynced, cms.HasSynced}
	return nil
}

func (p *Publisher) configMapChanged(obj any) {
	if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tombstone.Obj
	}
	if cm, ok := obj.(*corev1.ConfigMap); ok && cm.Name == ConfigMapName {
		p.queue.Add(cm.Namespace)
	}
}

// Run waits for the caches and syncs namespaces with workers goroutines
// (upstream runs one) until ctx ends; it returns once they have stopped.
func (p *Publisher) Run(ctx context.Context, workers int) {
	var wg sync.WaitGroup
	defer wg.Wait()
	defer p.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), p.synced...) {
		return
	}
	for range max(workers, 1) {
		wg.Go(func() {
			for p.processNext(ctx) {
			}
		})
	}
	<-ctx.Done()
}

func (p *Publisher) processNext(ctx context.Context) bool {
	key, quit := p.queue.Get()
	if quit {
		return false
	}
	defer p.queue.Done(key)
	if err := p.sync(ctx, key); err != nil {
		p.log.Error("publishing the root CA, requeuing", "namespace", key, "err", err)
		p.queue.AddRateLimited(key)
		return true
	}
	p.queue.Forget(key)
	return true
}

// sync creates the ConfigMap, or restores its data and description. A
// create into a namespace that is gone or terminating is not retried.
func (p *Publisher) sync(ctx context.Context, namespace string) error {
	data := map[string]string{DataKey: string(p.caPEM)}
	cm, err := p.configMaps.ConfigMaps(namespace).Get(ConfigMapName)
	if apierrors.IsNotFound(err) {
		_, err = p.client.CoreV1().ConfigMaps(namespace).Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName, Annotations: map[string]string{DescriptionAnnotation: Description}},
			Data:       data,
		}, metav1.CreateOptions{})
		if apierrors.IsNotFound(err) || apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			return nil
		}
		return err
	}
	if err != nil {
		return err
	}
	// Upstream only checks that some description is present, not its text.
	if maps.Equal(cm.Data, data) && cm.Annotations[DescriptionAnnotation] != "" {
		return nil
	}
	cm = cm.DeepCopy()
	cm.Data = data
	if cm.Annotations == nil {
		cm.Annotations = map[string]string{}
	}
	cm.Annotations[DescriptionAnnotation] = Description
	_, err = p.client.CoreV1().ConfigMaps(namespace).Update(ctx, cm, metav1.UpdateOptions{})
	return err
}
