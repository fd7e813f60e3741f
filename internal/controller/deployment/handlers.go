package deployment

import (
	"reflect"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
)

// watch takes the listers and registers the handlers: every Deployment
// event, every ReplicaSet event (resolved to its owner, or to every
// Deployment selecting an orphan) and pod deletions (a Recreate rollout
// waits for the last old pod to go).
func (c *Controller) watch(factory informers.SharedInformerFactory) error {
	dInformer := factory.Apps().V1().Deployments()
	dReg, err := dInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.onDeployment,
		UpdateFunc: func(_, cur any) { c.onDeployment(cur) },
		DeleteFunc: c.onDeployment,
	})
	if err != nil {
		return err
	}
	rsInformer := factory.Apps().V1().ReplicaSets()
	rsReg, err := rsInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.addReplicaSet, UpdateFunc: c.updateReplicaSet, DeleteFunc: c.deleteReplicaSet,
	})
	if err != nil {
		return err
	}
	podInformer := factory.Core().V1().Pods()
	podReg, err := podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{DeleteFunc: c.deletePod})
	if err != nil {
		return err
	}
	c.deployments, c.rss, c.pods = dInformer.Lister(), rsInformer.Lister(), podInformer.Lister()
	c.synced = []cache.InformerSynced{dReg.HasSynced, rsReg.HasSynced, podReg.HasSynced}
	return nil
}

func (c *Controller) onDeployment(obj any) {
	if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tombstone.Obj
	}
	if d, ok := obj.(*appsv1.Deployment); ok {
		c.enqueue(d)
	}
}

// addReplicaSet wakes the owner, or every Deployment that may adopt an
// orphan. A ReplicaSet already being deleted counts as deleted.
func (c *Controller) addReplicaSet(obj any) {
	rs := obj.(*appsv1.ReplicaSet)
	if rs.DeletionTimestamp != nil {
		c.deleteReplicaSet(rs)
		return
	}
	if ref := metav1.GetControllerOf(rs); ref != nil {
		if d := c.resolveControllerRef(rs.Namespace, ref); d != nil {
			c.enqueue(d)
		}
		return
	}
	c.enqueueSelecting(rs)
}

// updateReplicaSet skips resyncs, wakes the old owner when the controller
// reference changed, and otherwise the owner or the adopters of an orphan
// whose labels or reference changed.
func (c *Controller) updateReplicaSet(oldObj, curObj any) {
	old, cur := oldObj.(*appsv1.ReplicaSet), curObj.(*appsv1.ReplicaSet)
	if old.ResourceVersion == cur.ResourceVersion {
		return
	}
	curRef, oldRef := metav1.GetControllerOf(cur), metav1.GetControllerOf(old)
	refChanged := !reflect.DeepEqual(curRef, oldRef)
	if refChanged && oldRef != nil {
		if d := c.resolveControllerRef(old.Namespace, oldRef); d != nil {
			c.enqueue(d)
		}
	}
	if curRef != nil {
		if d := c.resolveControllerRef(cur.Namespace, curRef); d != nil {
			c.enqueue(d)
		}
		return
	}
	if refChanged || !reflect.DeepEqual(cur.Labels, old.Labels) {
		c.enqueueSelecting(cur)
	}
}

func (c *Controller) deleteReplicaSet(obj any) {
	if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tombstone.Obj
	}
	rs, ok := obj.(*appsv1.ReplicaSet)
	if !ok {
		return
	}
	if ref := metav1.GetControllerOf(rs); ref != nil {
		if d := c.resolveControllerRef(rs.Namespace, ref); d != nil {
			c.enqueue(d)
		}
	}
}

// enqueueSelecting wakes every Deployment whose selector matches rs.
func (c *Controller) enqueueSelecting(rs *appsv1.ReplicaSet) {
	if len(rs.Labels) == 0 {
		return
	}
	ds, err := c.deployments.Deployments(rs.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, d := range ds {
		selector, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		// An empty selector would select everything; it matches nothing.
		if err != nil || selector.Empty() || !selector.Matches(labels.Set(rs.Labels)) {
			continue
		}
		c.enqueue(d)
	}
}

// deletePod wakes a Recreate Deployment once its last pod is gone.
func (c *Controller) deletePod(obj any) {
	if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tombstone.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	d := c.deploymentForPod(pod)
	if d == nil || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		return
	}
	rss, err := c.ownedReplicaSets(d)
	if err != nil {
		return
	}
	podMap, err := c.podsByReplicaSet(d, rss)
	if err != nil {
		return
	}
	for _, pods := range podMap {
		if len(pods) > 0 {
			return
		}
	}
	c.enqueue(d)
}

// deploymentForPod follows pod → ReplicaSet → Deployment controller refs.
func (c *Controller) deploymentForPod(pod *corev1.Pod) *appsv1.Deployment {
	ref := metav1.GetControllerOf(pod)
	if ref == nil || ref.Kind != "ReplicaSet" {
		return nil
	}
	rs, err := c.rss.ReplicaSets(pod.Namespace).Get(ref.Name)
	if err != nil || rs.UID != ref.UID {
		return nil
	}
	rsRef := metav1.GetControllerOf(rs)
	if rsRef == nil {
		return nil
	}
	return c.resolveControllerRef(rs.Namespace, rsRef)
}

// resolveControllerRef returns the Deployment ref points to, if it is
// still the same object (same UID).
func (c *Controller) resolveControllerRef(namespace string, ref *metav1.OwnerReference) *appsv1.Deployment {
	if ref.Kind != "Deployment" {
		return nil
	}
	d, err := c.deployments.Deployments(namespace).Get(ref.Name)
	if err != nil || d.UID != ref.UID {
		return nil
	}
	return d
}

// ownedReplicaSets lists, from the cache, the ReplicaSets d controls.
func (c *Controller) ownedReplicaSets(d *appsv1.Deployment) ([]*appsv1.ReplicaSet, error) {
	all, err := c.rss.ReplicaSets(d.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	var owned []*appsv1.ReplicaSet
	for _, rs := range all {
		if metav1.IsControlledBy(rs, d) {
			owned = append(owned, rs)
		}
	}
	return owned, nil
}
