// Package job is kube-controller-manager's Job controller (batch/v1): it
// runs a Job's pods to completion — parallelism and completions,
// NonIndexed and Indexed completion modes, backoffLimit with exponential
// back-off between replacements, activeDeadlineSeconds, suspend — and
// counts finished pods exactly once through the job-tracking finalizer and
// status.uncountedTerminatedPods, as upstream. An evicted pod counts as a
// failure (upstream's default podReplacementPolicy TerminatingOrFailed
// replaces it as soon as it is terminating).
package job

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/controller/expectations"
)

// Name is the component's name in --controllers, as kube-controller-manager's.
const Name = "job"

// eventComponent is the source of the controller's events, as upstream.
const eventComponent = "job-controller"

// Controller is the Job controller. Build it with New, start the
// informers, then Run.
type Controller struct {
	client   kubernetes.Interface
	jobs     batchlisters.JobLister
	pods     corelisters.PodLister
	synced   []cache.InformerSynced
	recorder record.EventRecorder
	clock    clock.WithTicker
	log      *slog.Logger
	queue    workqueue.TypedRateLimitingInterface[string]
	expect   *expectations.Expectations

	mu sync.Mutex
	// lastFailure is when each job last had a pod counted as failed: the
	// start of its back-off before the next replacement.
	lastFailure map[string]time.Time
}

// New builds the controller on the factory's job and pod informers.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder,
	clk clock.WithTicker, log *slog.Logger) (*Controller, error) {
	if client == nil || factory == nil || recorder == nil || clk == nil {
		return nil, errors.New("job.New: client, informers, recorder and clock are required")
	}
	if log == nil {
		log = slog.Default()
	}
	c := &Controller{
		client: client, recorder: recorder, clock: clk, log: log,
		expect:      expectations.New(clk),
		lastFailure: map[string]time.Time{},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "job", Clock: clk}),
	}
	jobInformer := factory.Batch().V1().Jobs().Informer()
	if _, err := jobInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, cur any) { c.enqueue(cur) },
		DeleteFunc: c.deleteJob,
	}); err != nil {
		return nil, err
	}
	podInformer := factory.Core().V1().Pods().Informer()
	if _, err := podInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.addPod,
		UpdateFunc: func(_, cur any) { c.enqueueOwner(cur) },
		DeleteFunc: c.enqueueOwner,
	}); err != nil {
		return nil, err
	}
	c.jobs = factory.Batch().V1().Jobs().Lister()
	c.pods = factory.Core().V1().Pods().Lister()
	c.synced = []cache.InformerSynced{jobInformer.HasSynced, podInformer.HasSynced}
	return c, nil
}

// Run waits for the caches and syncs jobs with workers goroutines until
// ctx ends.
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
		c.log.Debug("syncing job, requeuing", "job", key, "err", err)
		c.queue.AddRateLimited(key)
		return true
	}
	c.queue.Forget(key)
	return true
}

func (c *Controller) enqueue(obj any) {
	if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

func (c *Controller) deleteJob(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		return
	}
	c.expect.DeleteExpectations(key)
	c.mu.Lock()
	delete(c.lastFailure, key)
	c.mu.Unlock()
	c.queue.Add(key) // its pods' finalizers must still go
}

func (c *Controller) addPod(obj any) {
	if key, ok := ownerKey(obj); ok {
		c.expect.CreationObserved(key)
		c.queue.Add(key)
	}
}

func (c *Controller) enqueueOwner(obj any) {
	if key, ok := ownerKey(obj); ok {
		c.queue.Add(key)
	}
}

// ownerKey is the key of the Job controlling a pod.
func ownerKey(obj any) (string, bool) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return "", false
	}
	ref := metav1.GetControllerOf(pod)
	if ref == nil || ref.Kind != "Job" || ref.APIVersion != batchv1.SchemeGroupVersion.String() {
		return "", false
	}
	return pod.Namespace + "/" + ref.Name, true
}
