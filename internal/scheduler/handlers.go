package scheduler

import (
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
)

// watch registers the handlers and takes the pod lister.
func (s *Scheduler) watch(factory informers.SharedInformerFactory) error {
	podInformer := factory.Core().V1().Pods()
	pods, err := podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    s.addPod,
		UpdateFunc: s.updatePod,
		DeleteFunc: s.deletePod,
	})
	if err != nil {
		return fmt.Errorf("pod informer: %w", err)
	}
	nodes, err := factory.Core().V1().Nodes().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    s.addNode,
		UpdateFunc: s.updateNode,
		DeleteFunc: s.deleteNode,
	})
	if err != nil {
		return fmt.Errorf("node informer: %w", err)
	}
	s.pods = podInformer.Lister()
	s.synced = []cache.InformerSynced{pods.HasSynced, nodes.HasSynced}
	return nil
}

// pending tells whether pod is one this scheduler should bind: not yet
// bound, ours by schedulerName, alive, and not held by scheduling gates.
func pending(pod *corev1.Pod) bool {
	return pod.Spec.NodeName == "" &&
		(pod.Spec.SchedulerName == "" || pod.Spec.SchedulerName == SchedulerName) &&
		pod.DeletionTimestamp == nil && !terminal(pod) && len(pod.Spec.SchedulingGates) == 0
}

func (s *Scheduler) addPod(obj any) {
	pod, ok := obj.(*corev1.Pod)
	switch {
	case !ok:
	case pod.Spec.NodeName != "" && !terminal(pod):
		s.cache.setPod(pod)
		s.queue.remove(pod.UID)
		s.queue.move(pluginsJoined)
	case pending(pod):
		s.queue.add(pod)
	}
}

func (s *Scheduler) updatePod(oldObj, newObj any) {
	old, ok1 := oldObj.(*corev1.Pod)
	pod, ok2 := newObj.(*corev1.Pod)
	switch {
	case !ok1 || !ok2:
	case pod.Spec.NodeName != "":
		s.updateBoundPod(old, pod)
	case !pending(pod):
		s.queue.remove(pod.UID)
	case pending(old) && !podChanged(old, pod):
		// Only status or bookkeeping changed — for one, the PodScheduled
		// condition this scheduler just wrote: nothing to retry for.
	default:
		s.queue.update(pod)
	}
}

// updateBoundPod keeps the cache in step with a bound pod and retries the
// pods its change may help: one that just bound, finished, started
// terminating or changed labels.
func (s *Scheduler) updateBoundPod(old, pod *corev1.Pod) {
	s.queue.remove(pod.UID)
	if terminal(pod) {
		s.cache.removePod(pod.UID)
		s.queue.move(pluginsFreed)
		return
	}
	s.cache.setPod(pod)
	switch {
	case old.Spec.NodeName == "":
		s.queue.move(pluginsJoined)
	case !maps.Equal(old.Labels, pod.Labels) || terminating(old) != terminating(pod):
		s.queue.move(pluginsJoined | pluginsFreed)
	}
}

// podChanged tells whether a pending pod changed in a way that may alter
// where it fits (upstream ignores status, resourceVersion, generation
// and managedFields).
func podChanged(old, pod *corev1.Pod) bool {
	return !maps.Equal(old.Labels, pod.Labels) || !maps.Equal(old.Annotations, pod.Annotations) ||
		!equality.Semantic.DeepEqual(old.Spec, pod.Spec)
}

func (s *Scheduler) deletePod(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	s.queue.remove(pod.UID)
	if s.cache.has(pod.UID) {
		s.cache.removePod(pod.UID)
		s.queue.move(pluginsFreed)
	}
}

func (s *Scheduler) addNode(obj any) {
	if node, ok := obj.(*corev1.Node); ok {
		s.cache.setNode(node)
		s.queue.move(pluginsAll)
	}
}

func (s *Scheduler) updateNode(oldObj, newObj any) {
	old, ok1 := oldObj.(*corev1.Node)
	node, ok2 := newObj.(*corev1.Node)
	if !ok1 || !ok2 {
		return
	}
	s.cache.setNode(node)
	if nodeChanged(old, node) {
		s.queue.move(pluginsAll)
	}
}

// nodeChanged tells whether a node update can change any filter's
// answer. Heartbeats (condition timestamps) do not, so the kubelets'
// status updates retry nothing.
func nodeChanged(old, node *corev1.Node) bool {
	return old.Spec.Unschedulable != node.Spec.Unschedulable ||
		!equality.Semantic.DeepEqual(old.Spec.Taints, node.Spec.Taints) ||
		!maps.Equal(old.Labels, node.Labels) ||
		!equality.Semantic.DeepEqual(old.Status.Allocatable, node.Status.Allocatable) ||
		readiness(old) != readiness(node)
}

func readiness(node *corev1.Node) corev1.ConditionStatus {
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status
		}
	}
	return corev1.ConditionUnknown
}

func (s *Scheduler) deleteNode(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if node, ok := obj.(*corev1.Node); ok {
		s.cache.removeNode(node.Name)
	}
}
