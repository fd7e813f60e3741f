package replicaset

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
)

// watch registers the handlers on the workload and pod informers.
func (c *Controller) watch(factory informers.SharedInformerFactory) error {
	workloads, err := c.kind.informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: c.updateWorkload,
		DeleteFunc: c.deleteWorkload,
	})
	if err != nil {
		return err
	}
	podInformer := factory.Core().V1().Pods()
	pods, err := podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.addPod,
		UpdateFunc: c.updatePod,
		DeleteFunc: c.deletePod,
	})
	if err != nil {
		return err
	}
	if err := addControllerUIDIndex(podInformer.Informer()); err != nil {
		return err
	}
	c.pods, c.podIndex = podInformer.Lister(), podInformer.Informer().GetIndexer()
	c.synced = []cache.InformerSynced{workloads.HasSynced, pods.HasSynced}
	return nil
}

func (c *Controller) key(obj any) (string, bool) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		c.log.Error("object key", "err", err)
		return "", false
	}
	return key, true
}

// enqueue queues a workload (also on every update: spec changes are not
// filtered, and resyncs re-run the sync, as upstream).
func (c *Controller) enqueue(obj any) {
	if key, ok := c.key(obj); ok {
		c.queue.Add(key)
	}
}

func (c *Controller) enqueueAfter(obj any, after time.Duration) {
	if key, ok := c.key(obj); ok {
		c.queue.AddAfter(key, after)
	}
}

// updateWorkload treats a new UID under the same name as a delete of the
// old object (the informer may have missed the delete) and an add.
func (c *Controller) updateWorkload(old, cur any) {
	o, err1 := meta.Accessor(old)
	n, err2 := meta.Accessor(cur)
	if err1 == nil && err2 == nil && o.GetUID() != n.GetUID() {
		c.deleteWorkload(cache.DeletedFinalStateUnknown{Key: o.GetNamespace() + "/" + o.GetName(), Obj: old})
	}
	c.enqueue(cur)
}

// deleteWorkload drops the workload's expectations so a recreated one
// starts clean, and queues it (the sync finds it gone).
func (c *Controller) deleteWorkload(obj any) {
	key, ok := c.key(obj)
	if !ok {
		return
	}
	c.expectations.DeleteExpectations(key)
	c.queue.Add(key)
}

// resolve returns the cached workload ref points to, or nil if ref names
// another kind, a missing workload or one with another UID.
func (c *Controller) resolve(namespace string, ref *metav1.OwnerReference) *appsv1.ReplicaSet {
	if ref.Kind != c.kind.gvk().Kind {
		return nil
	}
	rs, err := c.kind.get(namespace, ref.Name)
	if err != nil || rs.UID != ref.UID {
		return nil
	}
	return rs
}

// addPod observes a creation for the pod's controller; an orphan wakes
// every workload that selects it, which may adopt it.
func (c *Controller) addPod(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if pod.DeletionTimestamp != nil {
		// A pod created already terminating (e.g. after a restart of the
		// informer) must not count as a creation.
		c.deletePod(pod)
		return
	}
	if ref := metav1.GetControllerOfNoCopy(pod); ref != nil {
		if rs := c.resolve(pod.Namespace, ref); rs != nil {
			key, _ := c.key(rs)
			c.expectations.CreationObserved(key)
			c.queue.Add(key)
		}
		return
	}
	for _, rs := range c.kind.selecting(pod) {
		c.enqueue(rs)
	}
}
