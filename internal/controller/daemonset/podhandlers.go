package daemonset

import (
	"reflect"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

// addPod observes a creation of the pod's set, or wakes the sets that may
// adopt an orphan.
func (c *Controller) addPod(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if pod.DeletionTimestamp != nil {
		// A restarted controller may first see a pod already being
		// deleted: not a creation.
		c.deletePod(pod)
		return
	}
	if ref := metav1.GetControllerOf(pod); ref != nil {
		if set := c.resolveControllerRef(pod.Namespace, ref); set != nil {
			c.observe(set, c.expectations.CreationObserved)
			c.enqueue(set)
		}
		return
	}
	for _, set := range c.setsForPod(pod) {
		c.enqueue(set)
	}
}

// updatePod skips resyncs. A pod that gets a deletionTimestamp counts as
// deleted at once, so its node gets a replacement without waiting for the
// kubelet; expectations are plain counts here, so a pod whose deletion is
// then also seen as a delete event is counted twice, as upstream.
func (c *Controller) updatePod(old, cur any) {
	oldPod, ok1 := old.(*corev1.Pod)
	curPod, ok2 := cur.(*corev1.Pod)
	if !ok1 || !ok2 || curPod.ResourceVersion == oldPod.ResourceVersion {
		return
	}
	if curPod.DeletionTimestamp != nil {
		c.deletePod(curPod)
		return
	}
	curRef, oldRef := metav1.GetControllerOf(curPod), metav1.GetControllerOf(oldPod)
	refChanged := !reflect.DeepEqual(curRef, oldRef)
	if refChanged && oldRef != nil {
		if set := c.resolveControllerRef(oldPod.Namespace, oldRef); set != nil {
			c.enqueue(set)
		}
	}
	if curRef != nil {
		set := c.resolveControllerRef(curPod.Namespace, curRef)
		if set == nil {
			return
		}
		c.enqueue(set)
		// A second against skew, as upstream.
		if !isReady(oldPod) && isReady(curPod) && set.Spec.MinReadySeconds > 0 {
			c.enqueueAfter(set, time.Duration(set.Spec.MinReadySeconds)*time.Second+time.Second)
		}
		return
	}
	if refChanged || !reflect.DeepEqual(curPod.Labels, oldPod.Labels) {
		for _, set := range c.setsForPod(curPod) {
			c.enqueue(set)
		}
	}
}

// deletePod observes a deletion of the pod's set. Orphans wake nobody.
func (c *Controller) deletePod(obj any) {
	if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tombstone.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	ref := metav1.GetControllerOf(pod)
	if ref == nil {
		return
	}
	if set := c.resolveControllerRef(pod.Namespace, ref); set != nil {
		c.observe(set, c.expectations.DeletionObserved)
		c.enqueue(set)
	}
}

func (c *Controller) observe(set *appsv1.DaemonSet, observed func(key string)) {
	if key, err := cache.MetaNamespaceKeyFunc(set); err == nil {
		observed(key)
	}
}

// setsForPod lists the sets whose selector matches the pod.
func (c *Controller) setsForPod(pod *corev1.Pod) []*appsv1.DaemonSet {
	// The lister's only error is "no DaemonSet selects this pod".
	sets, _ := c.sets.GetPodDaemonSets(pod)
	return sets
}
