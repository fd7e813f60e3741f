package nodelifecycle

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/cache"
)

// nodeNameIndex indexes pods by spec.nodeName. The name is this
// package's own, so it never collides with another component's index on
// the shared pod informer.
const nodeNameIndex = "nodelifecycle/spec.nodeName"

// addNodeNameIndex adds the index unless it is there already. Every
// component adds its indexes to the one shared pod informer while the
// others start too, and GetIndexers hands out the informer's map without
// its lock: reading it races with their AddIndexers. So the index is added
// first and its presence probed with ByIndex, which reads under the lock;
// an "indexer conflict" then only means an earlier call added it.
func addNodeNameIndex(informer cache.SharedIndexInformer) error {
	err := informer.AddIndexers(cache.Indexers{nodeNameIndex: func(obj any) ([]string, error) {
		pod, ok := obj.(*corev1.Pod)
		if !ok || pod.Spec.NodeName == "" {
			return nil, nil
		}
		return []string{pod.Spec.NodeName}, nil
	}})
	if _, probe := informer.GetIndexer().ByIndex(nodeNameIndex, ""); probe == nil {
		return nil
	}
	return err
}

// podsOn lists the cached pods bound to node.
func (c *Controller) podsOn(node string) []*corev1.Pod {
	objs, err := c.pods.ByIndex(nodeNameIndex, node)
	if err != nil {
		return nil
	}
	pods := make([]*corev1.Pod, 0, len(objs))
	for _, o := range objs {
		if p, ok := o.(*corev1.Pod); ok {
			pods = append(pods, p)
		}
	}
	return pods
}
