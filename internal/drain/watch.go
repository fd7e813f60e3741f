package drain

import (
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// nodePods watches the pods of one node, so drain learns that a pod is
// gone (its UID deleted) or terminating from one watch instead of polling
// every pod every second as kubectl does.
type nodePods struct {
	lister corelisters.PodLister
	synced cache.InformerSynced

	mu sync.Mutex
	// gone are the UIDs deleted since the watch started; waiters the
	// channels to close when one is. Guarded by mu.
	gone    map[types.UID]bool
	waiters map[types.UID]chan struct{}
	// onTerminating is called when a pod first shows a deletionTimestamp.
	onTerminating func(*corev1.Pod)
}

// newNodeFactory is an informer factory for the pods of node only.
func newNodeFactory(client kubernetes.Interface, node string) informers.SharedInformerFactory {
	sel := fields.OneTermEqualSelector("spec.nodeName", node).String()
	return informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.FieldSelector = sel }))
}

// watchNodePods registers the pod informer on factory; the factory's
// owner starts and stops it.
func watchNodePods(factory informers.SharedInformerFactory, onTerminating func(*corev1.Pod)) (*nodePods, error) {
	inf := factory.Core().V1().Pods()
	w := &nodePods{lister: inf.Lister(), synced: inf.Informer().HasSynced,
		gone: map[types.UID]bool{}, waiters: map[types.UID]chan struct{}{}, onTerminating: onTerminating}
	_, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(old, cur any) {
			o, ok1 := old.(*corev1.Pod)
			c, ok2 := cur.(*corev1.Pod)
			if ok1 && ok2 && o.DeletionTimestamp == nil && c.DeletionTimestamp != nil && w.onTerminating != nil {
				w.onTerminating(c)
			}
		},
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			if pod, ok := obj.(*corev1.Pod); ok {
				w.deleted(pod.UID)
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("watch pods: %w", err)
	}
	return w, nil
}

func (w *nodePods) deleted(uid types.UID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.gone[uid] = true
	if ch, ok := w.waiters[uid]; ok {
		close(ch)
		delete(w.waiters, uid)
	}
}

// current returns the cached pod namespace/name if it still has uid.
func (w *nodePods) current(namespace, name string, uid types.UID) (*corev1.Pod, bool) {
	pod, err := w.lister.Pods(namespace).Get(name)
	if err != nil || pod.UID != uid {
		return nil, false
	}
	return pod, true
}

// goneCh returns a channel closed once the pod with uid no longer exists.
// Call it only after the informer synced: a pod missing from the cache
// then is gone.
func (w *nodePods) goneCh(namespace, name string, uid types.UID) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch, ok := w.waiters[uid]
	if ok {
		return ch
	}
	ch = make(chan struct{})
	if _, exists := w.current(namespace, name, uid); w.gone[uid] || !exists {
		close(ch)
		return ch
	}
	w.waiters[uid] = ch
	return ch
}
