package replicaset

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

// controllerUIDIndex indexes the shared pod informer by the UID of each
// pod's controller, and orphans by orphanKey(namespace), as upstream's
// ReplicaSet controller does (its podControllerUID index). A sync then
// reads its own pods and the orphans it may adopt instead of every pod in
// the namespace: with 30,000 pods in one namespace, listing them all for
// each of thousands of syncs was the controller's whole cost. The name is
// this package's own, shared by the ReplicaSet and RC controllers.
const controllerUIDIndex = "replicaset/controllerUID"

// orphanKey is the index key of namespace's pods without a controller (a
// UID never contains "/").
func orphanKey(namespace string) string { return "orphan/" + namespace }

// addControllerUIDIndex adds the index unless the other controller of this
// package added it first; both may race to add it on one informer, and
// every other component adds its own indexes meanwhile. GetIndexers hands
// out the informer's map without its lock, so presence is probed with
// ByIndex, which reads under the lock.
func addControllerUIDIndex(informer cache.SharedIndexInformer) error {
	err := informer.AddIndexers(cache.Indexers{controllerUIDIndex: indexByControllerUID})
	if _, probe := informer.GetIndexer().ByIndex(controllerUIDIndex, ""); probe == nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pod index %s: %w", controllerUIDIndex, err)
	}
	return nil
}

func indexByControllerUID(obj any) ([]string, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil, nil
	}
	if ref := metav1.GetControllerOfNoCopy(pod); ref != nil {
		return []string{string(ref.UID)}, nil
	}
	return []string{orphanKey(pod.Namespace)}, nil
}

// podsControlledBy returns the cached pods whose controller has uid.
func (c *Controller) podsControlledBy(uid string) []*corev1.Pod {
	objs, err := c.podIndex.ByIndex(controllerUIDIndex, uid)
	if err != nil {
		return nil // only an unknown index name fails, and it is added in New
	}
	pods := make([]*corev1.Pod, 0, len(objs))
	for _, o := range objs {
		if p, ok := o.(*corev1.Pod); ok {
			pods = append(pods, p)
		}
	}
	return pods
}

// candidates are the pods a sync of rs looks at: those it controls and
// the orphans of its namespace it may adopt. Pods of other controllers are
// never claimed, so leaving them out changes nothing.
func (c *Controller) candidates(rs *appsv1.ReplicaSet) []*corev1.Pod {
	return append(c.podsControlledBy(string(rs.UID)), c.podsControlledBy(orphanKey(rs.Namespace))...)
}
