package garbagecollector

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// processAttemptToOrphan handles one owner of attemptToOrphan.
func (gc *GarbageCollector) processAttemptToOrphan(ctx context.Context) bool {
	owner, quit := gc.attemptToOrphan.Get()
	if quit {
		return false
	}
	defer gc.attemptToOrphan.Done(owner)
	if err := gc.orphan(ctx, owner); err != nil {
		gc.log.Error("orphaning dependents, requeuing", "owner", owner.identity(), "err", err)
		gc.attemptToOrphan.AddRateLimited(owner)
		return true
	}
	gc.attemptToOrphan.Forget(owner)
	return true
}

// orphan removes owner from the ownerReferences of each of its dependents
// in the graph, then removes the orphan finalizer from owner, which lets
// the API server delete it.
func (gc *GarbageCollector) orphan(ctx context.Context, owner *node) error {
	id := owner.identity()
	var errs []error
	for _, dep := range owner.getDependents() {
		err := gc.removeOwnerRefs(ctx, dep.identity(), id.UID)
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("orphaning %s: %w", dep.identity(), err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return gc.removeFinalizer(ctx, id, metav1.FinalizerOrphanDependents)
}
