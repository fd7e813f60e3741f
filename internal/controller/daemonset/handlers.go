package daemonset

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
)

// watch registers the handlers on the four informers.
func (c *Controller) watch(factory informers.SharedInformerFactory) error {
	apps, core := factory.Apps().V1(), factory.Core().V1()
	handlers := []struct {
		informer cache.SharedIndexInformer
		handler  cache.ResourceEventHandlerFuncs
	}{
		{apps.DaemonSets().Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc: c.enqueue, UpdateFunc: func(_, cur any) { c.enqueue(cur) }, DeleteFunc: c.deleteSet,
		}},
		{apps.ControllerRevisions().Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc: c.enqueueOwner, UpdateFunc: func(_, cur any) { c.enqueueOwner(cur) }, DeleteFunc: c.enqueueOwner,
		}},
		{core.Pods().Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc: c.addPod, UpdateFunc: c.updatePod, DeleteFunc: c.deletePod,
		}},
		{core.Nodes().Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc: c.addNode, UpdateFunc: c.updateNode, DeleteFunc: c.deleteNode,
		}},
	}
	for _, h := range handlers {
		reg, err := h.informer.AddEventHandler(h.handler)
		if err != nil {
			return err
		}
		c.synced = append(c.synced, reg.HasSynced)
	}
	c.sets, c.revisions = apps.DaemonSets().Lister(), apps.ControllerRevisions().Lister()
	c.pods, c.nodes = core.Pods().Lister(), core.Nodes().Lister()
	return nil
}

func (c *Controller) enqueue(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		c.log.Error("DaemonSet key", "err", err)
		return
	}
	c.queue.Add(key)
}

func (c *Controller) enqueueAfter(set *appsv1.DaemonSet, d time.Duration) {
	if key, err := cache.MetaNamespaceKeyFunc(set); err == nil {
		c.queue.AddAfter(key, d)
	}
}

// deleteSet drops the set's expectations, then syncs it (a no-op once it
// is gone from the cache).
func (c *Controller) deleteSet(obj any) {
	if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		c.expectations.DeleteExpectations(key)
	}
	c.enqueue(obj)
}

// enqueueOwner wakes the set controlling a ControllerRevision, or every
// set whose selector matches an orphan one (it may adopt it).
func (c *Controller) enqueueOwner(obj any) {
	if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tombstone.Obj
	}
	rev, ok := obj.(*appsv1.ControllerRevision)
	if !ok {
		return
	}
	if ref := metav1.GetControllerOf(rev); ref != nil {
		if set := c.resolveControllerRef(rev.Namespace, ref); set != nil {
			c.enqueue(set)
		}
		return
	}
	sets, _ := c.sets.DaemonSets(rev.Namespace).List(labels.Everything())
	for _, set := range sets {
		if sel, err := metav1.LabelSelectorAsSelector(set.Spec.Selector); err == nil && sel.Matches(labels.Set(rev.Labels)) {
			c.enqueue(set)
		}
	}
}

// resolveControllerRef returns the set ref names if it is a DaemonSet and
// the cached one has the same UID.
func (c *Controller) resolveControllerRef(namespace string, ref *metav1.OwnerReference) *appsv1.DaemonSet {
	if ref.Kind != controllerKind.Kind {
		return nil
	}
	set, err := c.sets.DaemonSets(namespace).Get(ref.Name)
	if err != nil || set.UID != ref.UID {
		return nil
	}
	return set
}

// addNode wakes every set that should run a pod on the new node.
func (c *Controller) addNode(obj any) {
	node, ok := obj.(*corev1.Node)
	if !ok {
		return
	}
	sets, _ := c.sets.List(labels.Everything())
	for _, set := range sets {
		if shouldRun, _ := nodeShouldRunDaemonPod(node, set); shouldRun {
			c.enqueue(set)
		}
	}
}

// updateNode wakes the sets whose verdict on the node changed. Updates
// that touch nothing but heartbeat times are ignored, as upstream.
func (c *Controller) updateNode(old, cur any) {
	oldNode, ok1 := old.(*corev1.Node)
	curNode, ok2 := cur.(*corev1.Node)
	if !ok1 || !ok2 || ignoreNodeUpdate(*oldNode, *curNode) {
		return
	}
	sets, _ := c.sets.List(labels.Everything())
	for _, set := range sets {
		oldRun, oldKeep := nodeShouldRunDaemonPod(oldNode, set)
		curRun, curKeep := nodeShouldRunDaemonPod(curNode, set)
		if oldRun != curRun || oldKeep != curKeep {
			c.enqueue(set)
		}
	}
}

// deleteNode wakes every set, so desiredNumberScheduled drops at once.
// Upstream has no node delete handler and waits for the pods' deletion
// (by the pod garbage collector) to wake the sets.
func (c *Controller) deleteNode(any) {
	sets, _ := c.sets.List(labels.Everything())
	for _, set := range sets {
		c.enqueue(set)
	}
}

// ignoreNodeUpdate: only the conditions' heartbeat times (or nothing)
// changed.
func ignoreNodeUpdate(old, cur corev1.Node) bool {
	if !sameConditions(old.Status.Conditions, cur.Status.Conditions) {
		return false
	}
	old.ResourceVersion = cur.ResourceVersion
	old.Status.Conditions = cur.Status.Conditions
	return equality.Semantic.DeepEqual(old, cur)
}

// sameConditions compares conditions by type and status only.
func sameConditions(a, b []corev1.NodeCondition) bool {
	if len(a) != len(b) {
		return false
	}
	status := map[corev1.NodeConditionType]corev1.ConditionStatus{}
	for _, c := range a {
		status[c.Type] = c.Status
	}
	for _, c := range b {
		if s, ok := status[c.Type]; !ok || s != c.Status {
			return false
		}
	}
	return true
}
