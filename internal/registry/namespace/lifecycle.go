package namespace

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
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/registry/store"
)

var (
	namespacesResource = schema.GroupResource{Resource: "namespaces"}
	eventsResource     = schema.GroupResource{Resource: "events"}
	eventsV1Resource   = schema.GroupResource{Group: "events.k8s.io", Resource: "events"}
)

// immortal are the namespaces NamespaceLifecycle admission refuses to
// delete (403), dry runs included: without them a cluster could create
// nothing in them again.
var immortal = sets.New(metav1.NamespaceDefault, metav1.NamespaceSystem, metav1.NamespacePublic)

// Lifecycle is the namespace side of the API server: upstream's
// NamespaceLifecycle admission for creates, and the namespace REST's
// delete, which marks a namespace Terminating before it goes.
type Lifecycle struct {
	namespaces *store.Store
	clock      clock.PassiveClock
}

// NewLifecycle works on the namespace store; clk stamps deletionTimestamp.
func NewLifecycle(namespaces *store.Store, clk clock.PassiveClock) *Lifecycle {
	return &Lifecycle{namespaces: namespaces, clock: clk}
}

// AdmitCreate is the NamespaceLifecycle check for a create of name (or of
// a subresource of it) of resource gr in namespace: the namespace must
// exist (404 otherwise) and must not be terminating (403), events excepted
// so that the deletion itself can be reported. Cluster-scoped creates
// (namespace "") are always admitted.
func (l *Lifecycle) AdmitCreate(ctx context.Context, gr schema.GroupResource, namespace, name string) error {
	if namespace == "" {
		return nil
	}
	obj, err := l.namespaces.Get(ctx, "", namespace)
	if err != nil {
		return err
	}
	if !IsTerminating(obj.(*corev1.Namespace)) || gr == eventsResource || gr == eventsV1Resource {
		return nil
	}
	forbidden := apierrors.NewForbidden(gr, name, fmt.Errorf("unable to create new content in namespace %s because it is being terminated", namespace))
	forbidden.ErrStatus.Details.Causes = append(forbidden.ErrStatus.Details.Causes, metav1.StatusCause{
		Type:    corev1.NamespaceTerminatingCause,
		Message: fmt.Sprintf("namespace %s is being terminated", namespace),
		Field:   "metadata.namespace",
	})
	return forbidden
}

// Delete follows upstream's namespace REST: the first delete marks the
// namespace Terminating; it is removed only once its spec.finalizers are
// empty (the namespace controller empties it, then finalizes). It answers
// like store.Delete: the last state, and whether the namespace is gone.
// The namespace argument is there for the generic signature; namespaces
// are cluster-scoped.
func (l *Lifecycle) Delete(ctx context.Context, _, name string, opts *metav1.DeleteOptions) (runtime.Object, bool, error) {
	if opts == nil {
		opts = &metav1.DeleteOptions{}
	}
	obj, err := l.namespaces.Get(ctx, "", name)
	if err != nil {
		return nil, false, err
	}
	ns := obj.(*corev1.Namespace)
	if err := checkPreconditions(ns, opts.Preconditions); err != nil {
		return nil, false, err
	}
	if immortal.Has(name) {
		return nil, false, apierrors.NewForbidden(namespacesResource, name, errors.New("this namespace may not be deleted"))
	}
	if ns.DeletionTimestamp != nil && len(ns.Spec.Finalizers) > 0 {
		// Upstream's answer to deleting a namespace that is already
		// terminating (kubectl prints it as a Conflict).
		return nil, false, apierrors.NewConflict(namespacesResource, name, errors.New("The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system."))
	}
	if ns.DeletionTimestamp == nil && len(opts.DryRun) == 0 {
		now := metav1.NewTime(l.clock.Now())
		obj, err = l.namespaces.Mutate(ctx, "", name, func(o runtime.Object) error {
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
	return l.namespaces.Delete(ctx, "", name, opts)
}

// checkPreconditions answers with upstream's namespace REST messages,
// which differ from the generic store's.
func checkPreconditions(ns *corev1.Namespace, p *metav1.Preconditions) error {
	if p == nil {
		return nil
	}
	if p.UID != nil && *p.UID != ns.UID {
		return apierrors.NewConflict(namespacesResource, ns.Name, fmt.Errorf("precondition failed: UID in precondition: %v, UID in object meta: %v", *p.UID, ns.UID))
	}
	if p.ResourceVersion != nil && *p.ResourceVersion != ns.ResourceVersion {
		return apierrors.NewConflict(namespacesResource, ns.Name, fmt.Errorf("precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", *p.ResourceVersion, ns.ResourceVersion))
	}
	return nil
}
