package replicaset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	"k8s.io/client-go/tools/cache"
)

// workloads is the kind the controller manages, seen as ReplicaSets: the
// ReplicationController manager converts to and from them, as upstream's.
// Objects returned from the cache are shared and must not be modified.
type workloads interface {
	// gvk is the kind written into the pods' controller references.
	gvk() schema.GroupVersionKind
	informer() cache.SharedIndexInformer
	// get reads namespace/name from the cache.
	get(namespace, name string) (*appsv1.ReplicaSet, error)
	// selecting lists the cached workloads in pod's namespace whose
	// selector matches pod's labels.
	selecting(pod *corev1.Pod) []*appsv1.ReplicaSet
	// sameController lists the cached workloads in rs's namespace with the
	// same controller as rs (rs included); none if rs has no controller.
	sameController(rs *appsv1.ReplicaSet) []*appsv1.ReplicaSet
	// getLive reads namespace/name from the API server.
	getLive(ctx context.Context, namespace, name string) (*appsv1.ReplicaSet, error)
	// updateStatus writes rs.Status through the status subresource.
	updateStatus(ctx context.Context, rs *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error)
	// object is rs as the events' involved object.
	object(rs *appsv1.ReplicaSet) runtime.Object
}

var replicaSetKind = appsv1.SchemeGroupVersion.WithKind("ReplicaSet")

// rsWorkloads are apps/v1 ReplicaSets.
type rsWorkloads struct {
	client kubernetes.Interface
	inf    cache.SharedIndexInformer
	lister appslisters.ReplicaSetLister
}

func replicaSets(client kubernetes.Interface, factory informers.SharedInformerFactory) workloads {
	i := factory.Apps().V1().ReplicaSets()
	return &rsWorkloads{client: client, inf: i.Informer(), lister: i.Lister()}
}

func (w *rsWorkloads) gvk() schema.GroupVersionKind        { return replicaSetKind }
func (w *rsWorkloads) informer() cache.SharedIndexInformer { return w.inf }

func (w *rsWorkloads) get(namespace, name string) (*appsv1.ReplicaSet, error) {
	return w.lister.ReplicaSets(namespace).Get(name)
}

// selecting uses the lister's rule: ReplicaSets with an empty selector
// select nothing. Several matches are a user error upstream only logs.
func (w *rsWorkloads) selecting(pod *corev1.Pod) []*appsv1.ReplicaSet {
	rss, _ := w.lister.GetPodReplicaSets(pod) // the only error is "none"
	return rss
}

func (w *rsWorkloads) sameController(rs *appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	ref := metav1.GetControllerOfNoCopy(rs)
	if ref == nil {
		return nil
	}
	all, _ := w.lister.ReplicaSets(rs.Namespace).List(labels.Everything()) // a cache list never fails
	var same []*appsv1.ReplicaSet
	for _, other := range all {
		if r := metav1.GetControllerOfNoCopy(other); r != nil && r.UID == ref.UID {
			same = append(same, other)
		}
	}
	return same
}

func (w *rsWorkloads) getLive(ctx context.Context, namespace, name string) (*appsv1.ReplicaSet, error) {
	return w.client.AppsV1().ReplicaSets(namespace).Get(ctx, name, metav1.GetOptions{})
}

func (w *rsWorkloads) updateStatus(ctx context.Context, rs *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error) {
	return w.client.AppsV1().ReplicaSets(rs.Namespace).UpdateStatus(ctx, rs, metav1.UpdateOptions{})
}

func (w *rsWorkloads) object(rs *appsv1.ReplicaSet) runtime.Object { return rs }
