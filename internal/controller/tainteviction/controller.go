// Package tainteviction is kube-controller-manager's taint eviction
// controller: a pod on a node with a NoExecute taint it does not tolerate
// is deleted at once; one it tolerates for tolerationSeconds is deleted
// when they have passed; one it tolerates for ever stays. Deletion is a
// plain DELETE after the DisruptionTarget condition, not an eviction:
// PodDisruptionBudgets are not consulted, as upstream.
package tainteviction

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

// Name is the component's name in --controllers, as kube-controller-manager's.
const Name = "taint-eviction-controller"

// Controller deletes pods that do not tolerate their node's NoExecute
// taints. Build it with New, start the informers, then Run.
type Controller struct {
	client   kubernetes.Interface
	pods     corelisters.PodLister
	podIndex cache.Indexer
	nodes    corelisters.NodeLister
	synced   []cache.InformerSynced
	recorder record.EventRecorder
	clock    clock.WithTicker
	log      *slog.Logger
	// queue holds pod keys, each due when its toleration runs out.
	queue workqueue.TypedRateLimitingInterface[string]

	mu sync.Mutex
	// firstSeen is when a node's NoExecute taints without timeAdded were
	// first seen, the start of their pods' tolerationSeconds.
	firstSeen map[string]time.Time
}

// New builds the controller on the factory's pod and node informers.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder,
	clk clock.WithTicker, log *slog.Logger) (*Controller, error) {
	if client == nil || factory == nil || recorder == nil || clk == nil {
		return nil, errors.New("tainteviction.New: client, informers, recorder and clock are required")
	}
	if log == nil {
		log = slog.Default()
	}
	c := &Controller{
		client: client, recorder: recorder, clock: clk, log: log,
		firstSeen: map[string]time.Time{},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "taint_eviction", Clock: clk}),
	}
	podInformer := factory.Core().V1().Pods().Informer()
	if err := addNodeNameIndex(podInformer); err != nil {
		return nil, err
	}
	nodeInformer := factory.Core().V1().Nodes().Informer()
	// Every field the handlers read is set before they are registered: on
	// a shared factory that is already running, a handler runs at once.
	c.pods = factory.Core().V1().Pods().Lister()
	c.podIndex = podInformer.GetIndexer()
	c.nodes = factory.Core().V1().Nodes().Lister()
	c.synced = []cache.InformerSynced{podInformer.HasSynced, nodeInformer.HasSynced}
	if _, err := podInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueuePod,
		UpdateFunc: func(_, cur any) { c.enqueuePod(cur) },
	}); err != nil {
		return nil, err
	}
	if _, err := nodeInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueNodePods,
		UpdateFunc: c.updateNode,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// Run waits for the caches and processes pods with workers goroutines
// until ctx ends.
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
		c.log.Debug("evicting pod, requeuing", "pod", key, "err", err)
		c.queue.AddRateLimited(key)
		return true
	}
	c.queue.Forget(key)
	return true
}

func (c *Controller) enqueuePod(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod.Spec.NodeName == "" || pod.DeletionTimestamp != nil {
		return
	}
	if key, err := cache.MetaNamespaceKeyFunc(pod); err == nil {
		c.queue.Add(key)
	}
}

func (c *Controller) updateNode(old, cur any) {
	o, ok1 := old.(*corev1.Node)
	n, ok2 := cur.(*corev1.Node)
	if ok1 && ok2 && noExecuteEqual(o, n) {
		return
	}
	c.enqueueNodePods(cur)
}

func (c *Controller) enqueueNodePods(obj any) {
	node, ok := obj.(*corev1.Node)
	if !ok {
		return
	}
	objs, err := c.podIndex.ByIndex(nodeNameIndex, node.Name)
	if err != nil {
		return
	}
	for _, o := range objs {
		c.enqueuePod(o)
	}
}

// sync deletes the pod if its tolerations of its node's NoExecute taints
// have run out, or schedules another look for when they will.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	pod, err := c.pods.Pods(ns).Get(name)
	if err != nil || pod.DeletionTimestamp != nil || isTerminal(pod) || pod.Spec.NodeName == "" {
		return nil
	}
	node, err := c.nodes.Get(pod.Spec.NodeName)
	if err != nil {
		return nil
	}
	due, evict := c.due(node, pod)
	if !evict {
		return nil
	}
	if wait := due.Sub(c.clock.Now()); wait > 0 {
		c.queue.AddAfter(key, wait)
		return nil
	}
	return c.evict(ctx, pod)
}

// evict marks the pod with DisruptionTarget and deletes it, as upstream's
// addConditionAndDeletePod.
func (c *Controller) evict(ctx context.Context, cached *corev1.Pod) error {
	c.recorder.Eventf(cached, corev1.EventTypeNormal, "TaintManagerEviction", "Marking for deletion Pod %s/%s", cached.Namespace, cached.Name)
	pod := cached.DeepCopy()
	setDisruptionTarget(pod, c.clock.Now())
	if _, err := c.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("set DisruptionTarget: %w", err)
	}
	err := c.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &pod.UID}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("delete pod: %w", err)
	}
	return nil
}

func setDisruptionTarget(pod *corev1.Pod, now time.Time) {
	cond := corev1.PodCondition{
		Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: "DeletionByTaintManager",
		Message: "Taint manager: deleting due to NoExecute taint", LastTransitionTime: metav1.NewTime(now),
	}
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == corev1.DisruptionTarget {
			pod.Status.Conditions[i] = cond
			return
		}
	}
	pod.Status.Conditions = append(pod.Status.Conditions, cond)
}

func isTerminal(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}
