package apiserver

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
)

var (
	namespacesResource = schema.GroupResource{Resource: "namespaces"}
	namespacesGVR      = corev1.SchemeGroupVersion.WithResource("namespaces")
	eventsResource     = schema.GroupResource{Resource: "events"}
	eventsV1Resource   = schema.GroupResource{Group: "events.k8s.io", Resource: "events"}
)

// immortalNamespaces are the namespaces NamespaceLifecycle admission
// refuses to delete (403), dry runs included: without them a cluster could
// create nothing in them again.
var immortalNamespaces = sets.New(metav1.NamespaceDefault, metav1.NamespaceSystem, metav1.NamespacePublic)

// admitNamespace is the NamespaceLifecycle admission check for creates: the
// namespace must exist, and must not be terminating (events excepted, so
// that the deletion itself can be reported).
func (s *Server) admitNamespace(ctx context.Context, req *Request, name string) error {
	nsStore, ok := s.Store(namespacesGVR)
	if !ok {
		return nil
	}
	obj, err := nsStore.Get(ctx, "", req.Namespace)
	if err != nil {
		return err
	}
	ns := obj.(*corev1.Namespace)
	gr := req.Resource.GroupResource()
	if isTerminating(ns) && gr != eventsResource && gr != eventsV1Resource {
		err := apierrors.NewForbidden(gr, name, fmt.Errorf("unable to create new content in namespace %s because it is being terminated", req.Namespace))
		err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes, metav1.StatusCause{
			Type:    corev1.NamespaceTerminatingCause,
			Message: fmt.Sprintf("namespace %s is being terminated", req.Namespace),
			Field:   "metadata.namespace",
		})
		return err
	}
	return nil
}

func isTerminating(ns *corev1.Namespace) bool {
	return ns.DeletionTimestamp != nil || ns.Status.Phase == corev1.NamespaceTerminating
}

// deleteNamespace follows upstream's namespace REST: the first delete marks
// the namespace Terminating; it is removed only once its spec.finalizers
// are empty (the namespace controller empties it, then finalizes).
func (s *Server) deleteNamespace(ctx context.Context, req *Request, opts *metav1.DeleteOptions) (runtime.Object, bool, error) {
	obj, err := req.Store.Get(ctx, "", req.Name)
	if err != nil {
		return nil, false, err
	}
	ns := obj.(*corev1.Namespace)
	if p := opts.Preconditions; p != nil {
		if p.UID != nil && *p.UID != ns.UID {
			return nil, false, apierrors.NewConflict(namespacesResource, req.Name, fmt.Errorf("precondition failed: UID in precondition: %v, UID in object meta: %v", *p.UID, ns.UID))
		}
		if p.ResourceVersion != nil && *p.ResourceVersion != ns.ResourceVersion {
			return nil, false, apierrors.NewConflict(namespacesResource, req.Name, fmt.Errorf("precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", *p.ResourceVersion, ns.ResourceVersion))
		}
	}
	if immortalNamespaces.Has(req.Name) {
		return nil, false, apierrors.NewForbidden(namespacesResource, req.Name, errors.New("this namespace may not be deleted"))
	}
	if ns.DeletionTimestamp != nil && len(ns.Spec.Finalizers) > 0 {
		// Upstream's answer to deleting a namespace that is already
		// terminating (kubectl prints it as a Conflict).
		return nil, false, apierrors.NewConflict(namespacesResource, req.Name, errors.New("The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system."))
	}
	if ns.DeletionTimestamp == nil && len(opts.DryRun) == 0 {
		now := metav1.NewTime(s.clock.Now())
		obj, err = req.Store.Mutate(ctx, "", req.Name, func(o runtime.Object) error {
			n := o.(*corev1.Namespace)
			if n.DeletionTimestamp == nil {
				n.DeletionTimestamp = &now
			}
			n.Status.Phase = corev1.NamespaceTerminating
			return nil
		})
		if err != nil {
			return nil, false, err
		}
		ns = obj.(*corev1.Namespace)
	}
	if len(ns.Spec.Finalizers) > 0 {
		return ns, false, nil
	}
	return req.Store.Delete(ctx, "", req.Name, opts)
}
