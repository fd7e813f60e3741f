// Package podgc is kube-controller-manager's pod garbage collector. Every
// 20 s it force-deletes what no kubelet will ever finish: pods bound to
// nodes that no longer exist (after a 40 s quarantine and a live check),
// terminating pods that were never scheduled, terminating pods on
// not-ready nodes tainted out-of-service, and terminated pods beyond the
// threshold, oldest first. Each goes Failed first, with DisruptionTarget
// where upstream adds it.
package podgc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"
)

// Name is the component's name in --controllers, as kube-controller-manager's.
const Name = "podgc"

// Upstream's constants.
const (
	// Period is gcCheckPeriod.
	Period = 20 * time.Second
	// Quarantine is how long a pod's node must be missing before the pod
	// goes (quarantineTime), so a node being re-registered keeps its pods.
	Quarantine = 40 * time.Second
	// DefaultTerminatedThreshold is --terminated-pod-gc-threshold.
	DefaultTerminatedThreshold = 12500
)

// Controller is the pod garbage collector.
type Controller struct {
	client    kubernetes.Interface
	pods      corelisters.PodLister
	nodes     corelisters.NodeLister
	synced    []cache.InformerSynced
	clock     clock.WithTicker
	log       *slog.Logger
	threshold int

	mu sync.Mutex
	// missingSince is when each absent node was first found missing.
	missingSince map[string]time.Time
}

// New builds the collector on the factory's pod and node informers;
// threshold 0 means the default.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, clk clock.WithTicker, threshold int, log *slog.Logger) (*Controller, error) {
	if client == nil || factory == nil || clk == nil {
		return nil, errors.New("podgc.New: client, informers and clock are required")
	}
	if threshold <= 0 {
		threshold = DefaultTerminatedThreshold
	}
	if log == nil {
		log = slog.Default()
	}
	pods, nodes := factory.Core().V1().Pods(), factory.Core().V1().Nodes()
	return &Controller{
		client: client, clock: clk, log: log, threshold: threshold,
		pods: pods.Lister(), nodes: nodes.Lister(),
		synced:       []cache.InformerSynced{pods.Informer().HasSynced, nodes.Informer().HasSynced},
		missingSince: map[string]time.Time{},
	}, nil
}

// Run collects every Period until ctx ends.
func (c *Controller) Run(ctx context.Context) {
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	t := c.clock.NewTicker(Period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
			c.collect(ctx)
		}
	}
}

// collect is one pass (upstream's gc).
func (c *Controller) collect(ctx context.Context) {
	pods, err := c.pods.List(labels.Everything())
	if err != nil {
		return
	}
	c.collectTerminated(ctx, pods)
	c.collectOrphans(ctx, pods)
	c.collectUnscheduledTerminating(ctx, pods)
	c.collectOutOfService(ctx, pods)
}

// collectTerminated deletes the oldest terminated pods beyond the threshold.
func (c *Controller) collectTerminated(ctx context.Context, pods []*corev1.Pod) {
	var terminated []*corev1.Pod
	for _, p := range pods {
		if isTerminal(p) {
			terminated = append(terminated, p)
		}
	}
	excess := len(terminated) - c.threshold
	if excess <= 0 {
		return
	}
	// Evicted pods first, then the oldest (upstream's byEvictionAndCreationTimestamp).
	sort.SliceStable(terminated, func(i, j int) bool {
		ei, ej := terminated[i].Status.Reason == "Evicted", terminated[j].Status.Reason == "Evicted"
		if ei != ej {
			return ei
		}
		return terminated[i].CreationTimestamp.Before(&terminated[j].CreationTimestamp)
	})
	for _, p := range terminated[:excess] {
		c.forceDelete(ctx, p, nil)
	}
}

// collectOrphans deletes pods whose node has been missing for the
// quarantine, after checking with the API server that it really is gone.
func (c *Controller) collectOrphans(ctx context.Context, pods []*corev1.Pod) {
	now := c.clock.Now()
	missing := map[string]bool{}
	for _, p := range pods {
		if p.Spec.NodeName == "" {
			continue
		}
		if _, err := c.nodes.Get(p.Spec.NodeName); err == nil {
			continue
		}
		missing[p.Spec.NodeName] = true
	}
	gone := c.quarantined(ctx, missing, now)
	for _, p := range pods {
		if gone[p.Spec.NodeName] {
			c.forceDelete(ctx, p, &corev1.PodCondition{Reason: "DeletionByPodGC", Message: "PodGC: node no longer exists"})
		}
	}
}

// quarantined returns the missing nodes that have been missing for
// Quarantine and that a live GET confirms are gone.
func (c *Controller) quarantined(ctx context.Context, missing map[string]bool, now time.Time) map[string]bool {
	c.mu.Lock()
	for node := range c.missingSince {
		if !missing[node] {
			delete(c.missingSince, node)
		}
	}
	var due []string
	for node := range missing {
		since, ok := c.missingSince[node]
		if !ok {
			c.missingSince[node] = now
			continue
		}
		if now.Sub(since) >= Quarantine {
			due = append(due, node)
		}
	}
	c.mu.Unlock()
	gone := map[string]bool{}
	for _, node := range due {
		if _, err := c.client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{}); apierrors.IsNotFound(err) {
			gone[node] = true
		}
	}
	return gone
}

// collectUnscheduledTerminating deletes terminating pods no node will finish.
func (c *Controller) collectUnscheduledTerminating(ctx context.Context, pods []*corev1.Pod) {
	for _, p := range pods {
		if p.DeletionTimestamp != nil && p.Spec.NodeName == "" {
			c.forceDelete(ctx, p, nil)
		}
	}
}

// collectOutOfService deletes terminating pods on not-ready nodes that an
// operator tainted node.kubernetes.io/out-of-service.
func (c *Controller) collectOutOfService(ctx context.Context, pods []*corev1.Pod) {
	for _, p := range pods {
		if p.DeletionTimestamp == nil || p.Spec.NodeName == "" {
			continue
		}
		node, err := c.nodes.Get(p.Spec.NodeName)
		if err != nil || isReady(node) || !outOfService(node) {
			continue
		}
		c.forceDelete(ctx, p, &corev1.PodCondition{Reason: "DeletionByPodGC", Message: "PodGC: node is out of service"})
	}
}

// forceDelete marks a non-terminal pod Failed (with the DisruptionTarget
// condition when given), then deletes it with grace 0.
func (c *Controller) forceDelete(ctx context.Context, cached *corev1.Pod, disruption *corev1.PodCondition) {
	if !isTerminal(cached) {
		pod := cached.DeepCopy()
		pod.Status.Phase = corev1.PodFailed
		if disruption != nil {
			cond := *disruption
			cond.Type, cond.Status, cond.LastTransitionTime = corev1.DisruptionTarget, corev1.ConditionTrue, metav1.NewTime(c.clock.Now())
			setCondition(pod, cond)
		}
		if _, err := c.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
			c.log.Debug("marking pod Failed", "pod", pod.Namespace+"/"+pod.Name, "err", err)
			return
		}
	}
	err := c.client.CoreV1().Pods(cached.Namespace).Delete(ctx, cached.Name, metav1.DeleteOptions{
		GracePeriodSeconds: new(int64), Preconditions: &metav1.Preconditions{UID: &cached.UID},
	})
	if err != nil && !apierrors.IsNotFound(err) {
		c.log.Debug("deleting pod", "pod", cached.Namespace+"/"+cached.Name, "err", fmt.Errorf("podgc: %w", err))
		return
	}
	c.log.Info("deleted pod", "pod", cached.Namespace+"/"+cached.Name, "node", cached.Spec.NodeName)
}

func setCondition(pod *corev1.Pod, cond corev1.PodCondition) {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == cond.Type {
			pod.Status.Conditions[i] = cond
			return
		}
	}
	pod.Status.Conditions = append(pod.Status.Conditions, cond)
}

func isTerminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

func isReady(node *corev1.Node) bool {
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func outOfService(node *corev1.Node) bool {
	for _, t := range node.Spec.Taints {
		if t.Key == corev1.TaintNodeOutOfService {
			return true
		}
	}
	return false
}
