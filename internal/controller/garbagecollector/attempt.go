package garbagecollector

import (
	"context"
	"errors"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// errVirtualDelete: the item was found gone and a virtual delete event
	// was handed to the graph builder; nothing to retry.
	errVirtualDelete = errors.New("enqueued virtual delete event")
	// errNamespacedOwnerOfClusterScoped: a cluster-scoped object names a
	// namespaced owner; retrying cannot fix it.
	errNamespacedOwnerOfClusterScoped = errors.New("cluster-scoped objects cannot refer to namespaced owners")
)

// processAttemptToDelete handles one node of attemptToDelete.
func (gc *GarbageCollector) processAttemptToDelete(ctx context.Context) bool {
	n, quit := gc.attemptToDelete.Get()
	if quit {
		return false
	}
	defer gc.attemptToDelete.Done(n)
	if gc.attemptToDeleteWorker(ctx, n) {
		gc.attemptToDelete.AddRateLimited(n)
		return true
	}
	gc.attemptToDelete.Forget(n)
	return true
}

// attemptToDeleteWorker processes n and reports whether to retry it.
func (gc *GarbageCollector) attemptToDeleteWorker(ctx context.Context, n *node) (retry bool) {
	if !n.isObserved() {
		current, ok := gc.graph.read(n.identity().UID)
		if !ok || current != n || current.isObserved() {
			// Replaced or removed since it was queued.
			return false
		}
	}
	err := gc.attemptToDeleteItem(ctx, n)
	var mapping *restMappingError
	switch {
	case errors.Is(err, errVirtualDelete), errors.Is(err, errNamespacedOwnerOfClusterScoped):
		return false
	case errors.As(err, &mapping):
		// A kind the mapper does not know (yet): nothing is collected
		// because of it; retried with backoff, as upstream.
		gc.log.Info("ignoring a reference to an unknown kind for now", "item", n.identity(), "err", err)
		return true
	case err != nil:
		gc.log.Error("processing item, requeuing", "item", n.identity(), "err", err)
		return true
	}
	// A virtual node is polled until its informer shows it (upstream
	// issue 56121: an object added and removed during a watch gap).
	return !n.isObserved()
}

// attemptToDeleteItem looks the object up live and deletes it if all its
// owners are gone, or handles its foreground deletion.
func (gc *GarbageCollector) attemptToDeleteItem(ctx context.Context, item *node) error {
	// Being deleted is a one-way trip: wait for the delete event.
	if item.isBeingDeleted() && !item.isDeletingDependents() {
		return nil
	}
	id := item.identity()
	latest, err := gc.getObject(ctx, id)
	switch {
	case apierrors.IsNotFound(err):
		gc.enqueueVirtualDelete(id)
		return errVirtualDelete
	case err != nil:
		return err
	case latest.UID != id.UID:
		gc.enqueueVirtualDelete(id)
		return errVirtualDelete
	}
	if item.isDeletingDependents() {
		return gc.processDeletingDependents(ctx, item)
	}
	refs := latest.OwnerReferences
	if len(refs) == 0 {
		return nil
	}
	solid, dangling, waiting, err := gc.classifyReferences(ctx, item, refs)
	if err != nil {
		return err
	}
	switch {
	case len(solid) != 0:
		if len(dangling) == 0 && len(waiting) == 0 {
			return nil
		}
		// Drop the dangling references, and those to owners deleting in
		// foreground (or those owners would wait for this object forever).
		return gc.removeOwnerRefs(ctx, id, append(uids(dangling), uids(waiting)...)...)
	case len(waiting) != 0 && item.dependentsLength() != 0:
		return gc.deleteInForeground(ctx, item, latest)
	default:
		policy := metav1.DeletePropagationBackground
		if hasFinalizer(latest, metav1.FinalizerOrphanDependents) {
			policy = metav1.DeletePropagationOrphan
		} else if hasFinalizer(latest, metav1.FinalizerDeleteDependents) {
			policy = metav1.DeletePropagationForeground
		}
		gc.log.Debug("deleting item", "item", id, "propagationPolicy", policy)
		return gc.deleteLatest(ctx, id, latest, policy)
	}
}

// deleteInForeground: an owner of item waits for it in foreground and item
// has dependents itself, so item is deleted in foreground too. If one of
// its dependents is also deleting in foreground, item's references are
// first made non-blocking to break a possible cycle (upstream's detection,
// false positives included).
func (gc *GarbageCollector) deleteInForeground(ctx context.Context, item *node, latest *metav1.PartialObjectMetadata) error {
	for _, dep := range item.getDependents() {
		if dep.isDeletingDependents() {
			if err := gc.unblockOwnerRefs(ctx, item.identity()); err != nil {
				return err
			}
			break
		}
	}
	return gc.deleteLatest(ctx, item.identity(), latest, metav1.DeletePropagationForeground)
}

func (gc *GarbageCollector) deleteLatest(ctx context.Context, id identity, latest *metav1.PartialObjectMetadata, policy metav1.DeletionPropagation) error {
	err := gc.deleteObject(ctx, id, latest.ResourceVersion, latest.OwnerReferences, policy)
	if apierrors.IsNotFound(err) {
		gc.enqueueVirtualDelete(id)
		return errVirtualDelete
	}
	return err
}

// processDeletingDependents handles an owner deleting in foreground: it
// loses the finalizer when no blocking dependent remains; otherwise its
// blocking dependents are (re)tried.
func (gc *GarbageCollector) processDeletingDependents(ctx context.Context, item *node) error {
	blocking := item.blockingDependents()
	if len(blocking) == 0 {
		gc.log.Debug("removing the foregroundDeletion finalizer", "item", item.identity())
		return gc.removeFinalizer(ctx, item.identity(), metav1.FinalizerDeleteDependents)
	}
	for _, dep := range blocking {
		if !dep.isDeletingDependents() {
			gc.attemptToDelete.Add(dep)
		}
	}
	return nil
}

// enqueueVirtualDelete tells the graph builder that id is gone.
func (gc *GarbageCollector) enqueueVirtualDelete(id identity) {
	gv, _ := schema.ParseGroupVersion(id.APIVersion)
	obj := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Namespace: id.Namespace, Name: id.Name, UID: id.UID}}
	gc.graphChanges.Add(&event{virtual: true, typ: deleteEvent, obj: obj, gvk: gv.WithKind(id.Kind)})
}
