package replicaset

import (
	"reflect"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

// updatePod follows a pod's changes. A deletionTimestamp is handled as the
// delete itself: the pod stops counting at once and its replacement is
// created while it terminates (the kubelet's final delete is then a second,
// harmless observation of the same pod key).
func (c *Controller) updatePod(old, cur any) {
	oldPod, ok1 := old.(*corev1.Pod)
	curPod, ok2 := cur.(*corev1.Pod)
	if !ok1 || !ok2 || curPod.ResourceVersion == oldPod.ResourceVersion {
		return // a resync: nothing changed
	}
	labelsChanged := !reflect.DeepEqual(curPod.Labels, oldPod.Labels)
	if curPod.DeletionTimestamp != nil {
		c.deletePod(curPod)
		if labelsChanged {
			// The old labels may have belonged to another workload.
			c.deletePod(oldPod)
		}
		return
	}
	curRef, oldRef := metav1.GetControllerOfNoCopy(curPod), metav1.GetControllerOfNoCopy(oldPod)
	refChanged := !reflect.DeepEqual(curRef, oldRef)
	if refChanged && oldRef != nil {
		// The old controller may need to replace the pod it lost.
		if rs := c.resolve(oldPod.Namespace, oldRef); rs != nil {
			c.enqueue(rs)
		}
	}
	if curRef != nil {
		rs := c.resolve(curPod.Namespace, curRef)
		if rs == nil {
			return
		}
		c.enqueue(rs)
		// Available only minReadySeconds after Ready: look again then, plus
		// a second so the pod is past the threshold.
		if !isReady(oldPod) && isReady(curPod) && rs.Spec.MinReadySeconds > 0 {
			c.enqueueAfter(rs, time.Duration(rs.Spec.MinReadySeconds)*time.Second+time.Second)
		}
		return
	}
	if labelsChanged || refChanged {
		// An orphan: whoever selects it now may adopt it.
		for _, rs := range c.kind.selecting(curPod) {
			c.enqueue(rs)
		}
	}
}

// deletePod observes the deletion of a pod (a delete, a tombstone, or a
// deletionTimestamp) for its controller.
func (c *Controller) deletePod(obj any) {
	if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tombstone.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	ref := metav1.GetControllerOfNoCopy(pod)
	if ref == nil {
		return // an orphan's deletion changes no workload
	}
	rs := c.resolve(pod.Namespace, ref)
	if rs == nil {
		return
	}
	key, _ := c.key(rs)
	c.expectations.DeletionObserved(key, podKey(pod))
	c.queue.Add(key)
}

func podKey(pod *corev1.Pod) string { return pod.Namespace + "/" + pod.Name }
