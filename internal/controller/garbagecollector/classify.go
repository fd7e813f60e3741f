package garbagecollector

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// classifyReferences sorts item's live references: solid (the owner
// exists and is not deleting in foreground), dangling (it does not exist:
// not found, or found with another UID) and waiting (it is deleting in
// foreground). It talks to the API server: the graph may lag.
func (gc *GarbageCollector) classifyReferences(ctx context.Context, item *node, refs []metav1.OwnerReference) (solid, dangling, waiting []metav1.OwnerReference, err error) {
	for _, ref := range refs {
		isDangling, owner, err := gc.isDangling(ctx, ref, item)
		if err != nil {
			return nil, nil, nil, err
		}
		switch {
		case isDangling:
			dangling = append(dangling, ref)
		case beingDeleted(owner) && hasFinalizer(owner, metav1.FinalizerDeleteDependents):
			waiting = append(waiting, ref)
		default:
			solid = append(solid, ref)
		}
	}
	return solid, dangling, waiting, nil
}

// isDangling reports whether ref points to an object that does not
// exist; if it looked the owner up, it returns it.
func (gc *GarbageCollector) isDangling(ctx context.Context, ref metav1.OwnerReference, item *node) (bool, *metav1.PartialObjectMetadata, error) {
	itemID := item.identity()
	key := ownerIdentity(ref, "")
	if gc.absent.has(key) {
		return true, nil, nil
	}
	key.Namespace = itemID.Namespace
	if gc.absent.has(key) {
		return true, nil, nil
	}
	gvr, namespaced, err := gc.resource(ref.APIVersion, ref.Kind)
	if err != nil {
		return false, nil, err
	}
	ns := itemID.Namespace
	if !namespaced {
		key.Namespace, ns = "", ""
	}
	if itemID.Namespace == "" && namespaced {
		gc.log.Info("item is cluster-scoped, but refers to a namespaced owner", "item", itemID, "owner", ref.Name)
		return false, nil, errNamespacedOwnerOfClusterScoped
	}
	owner, err := gc.metadata.Resource(gvr).Namespace(ns).Get(ctx, ref.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		gc.absent.add(key)
		return true, nil, nil
	case err != nil:
		return false, nil, err
	case owner.UID != ref.UID:
		// A new object under the old name is not the owner.
		gc.absent.add(key)
		return true, nil, nil
	}
	return false, owner, nil
}

func uids(refs []metav1.OwnerReference) []types.UID {
	out := make([]types.UID, 0, len(refs))
	for _, r := range refs {
		out = append(out, r.UID)
	}
	return out
}
