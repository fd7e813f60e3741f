package endpoints

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	"github.com/evictd/evictd/internal/controller/endpoints/membership"
)

// leaderAnnotation marks Endpoints used as leader-election locks (older
// components still use them); they have no Service and must stay.
const leaderAnnotation = "control-plane.alpha.kubernetes.io/leader"

// watch takes the listers and registers the handlers: Services on every
// change, pods on the changes that matter to an endpoint, Endpoints only
// on delete (so a deleted Endpoints comes back).
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
	epInformer := factory.Core().V1().Endpoints()
	eps, err := epInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{DeleteFunc: c.enqueueService})
	if err != nil {
		return err
	}
	c.services, c.pods, c.endpoints = svcInformer.Lister(), podInformer.Lister(), epInformer.Lister()
	c.synced = []cache.InformerSynced{svcs.HasSynced, pods.HasSynced, eps.HasSynced}
	return nil
}

// enqueueService queues the key of a Service (or of the Endpoints of the
// same name) at once.
func (c *Controller) enqueueService(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		c.log.Error("service key", "err", err)
		return
	}
	c.queue.Add(key)
}

// addPod queues, after the batch period, every Service selecting pod.
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

// queueLeftoverEndpoints queues every Endpoints in the cache once: the
// sync of a key whose Service is gone deletes its Endpoints, which would
// otherwise outlive a Service deleted while the controller was down.
func (c *Controller) queueLeftoverEndpoints() {
	list, err := c.endpoints.List(labels.Everything())
	if err != nil {
		c.log.Error("listing endpoints", "err", err)
		return
	}
	for _, ep := range list {
		if _, ok := ep.Annotations[leaderAnnotation]; ok {
			continue
		}
		c.enqueueService(ep)
	}
}
