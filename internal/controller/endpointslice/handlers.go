package endpointslice

import (
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	"github.com/evictd/evictd/internal/controller/endpoints/membership"
)

// watch takes the listers and registers the handlers. Nodes are only
// read (a pod's zone); upstream watches them only for topology hints.
func (c *Controller) watch(factory informers.SharedInformerFactory) error {
	svcInformer := factory.Core().V1().Services()
	svcs, err := svcInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueService,
		UpdateFunc: func(_, cur any) { c.enqueueService(cur) },
		DeleteFunc: c.enqueueService,
	})
	if err != nil {
		return err
	}
	podInformer := factory.Core().V1().Pods()
	pods, err := podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.addPod,
		UpdateFunc: c.updatePod,
		DeleteFunc: func(obj any) { c.addPod(membership.PodFromDelete(obj)) },
	})
	if err != nil {
		return err
	}
	sliceInformer := factory.Discovery().V1().EndpointSlices()
	slices, err := sliceInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.sliceChanged,
		UpdateFunc: func(_, cur any) { c.sliceChanged(cur) },
		DeleteFunc: c.sliceDeleted,
	})
	if err != nil {
		return err
	}
	nodeInformer := factory.Core().V1().Nodes()
	c.services, c.pods, c.slices, c.nodes = svcInformer.Lister(), podInformer.Lister(), sliceInformer.Lister(), nodeInformer.Lister()
	c.synced = []cache.InformerSynced{svcs.HasSynced, pods.HasSynced, slices.HasSynced, nodeInformer.Informer().HasSynced}
	return nil
}

func (c *Controller) enqueueService(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		c.log.Error("service key", "err", err)
		return
	}
	c.queue.Add(key)
}

func (c *Controller) addPod(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod == nil {
		return
	}
	keys, err := membership.ServicesSelecting(c.services, pod)
	if err != nil {
		c.log.Error("services of a pod", "pod", pod.Namespace+"/"+pod.Name, "err", err)
		return
	}
	for key := range keys {
		c.queue.AddAfter(key, c.batch)
	}
}

func (c *Controller) updatePod(old, cur any) {
	keys, err := membership.ServicesToUpdate(c.services, old.(*corev1.Pod), cur.(*corev1.Pod))
	if err != nil {
		c.log.Error("services of a pod", "err", err)
		return
	}
	for key := range keys {
		c.queue.AddAfter(key, c.batch)
	}
}

// sliceChanged requeues the Service of a managed slice that someone else
// wrote; echoes of the controller's own writes are ignored.
func (c *Controller) sliceChanged(obj any) {
	slice, ok := obj.(*discoveryv1.EndpointSlice)
	if !ok || !managed(slice) || !c.tracker.shouldSync(slice) {
		return
	}
	c.queueServiceOf(slice)
}

func (c *Controller) sliceDeleted(obj any) {
	if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tombstone.Obj
	}
	slice, ok := obj.(*discoveryv1.EndpointSlice)
	if !ok || !managed(slice) {
		return
	}
	if c.tracker.handleDeletion(slice) {
		c.queueServiceOf(slice)
	}
}

func (c *Controller) queueServiceOf(slice *discoveryv1.EndpointSlice) {
	name := slice.Labels[discoveryv1.LabelServiceName]
	if name == "" {
		return
	}
	c.queue.AddAfter(slice.Namespace+"/"+name, max(sliceChangeMinDelay, c.batch))
}

func managed(slice *discoveryv1.EndpointSlice) bool {
	return slice.Labels[discoveryv1.LabelManagedBy] == ManagedBy
}
