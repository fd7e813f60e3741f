package deployment

import (
	"context"
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
)

// rolloutRolling makes one step of a rolling update: grow the new
// ReplicaSet within maxSurge, else shrink old ones within maxUnavailable,
// else (rollout complete) clean up history; then refresh the status.
func (c *Controller) rolloutRolling(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet) error {
	newRS, oldRSs, err := c.replicaSetsAndSyncRevision(ctx, d, rss, true)
	if err != nil {
		return err
	}
	allRSs := append(oldRSs, newRS)
	scaledUp, err := c.reconcileNewReplicaSet(ctx, allRSs, newRS, d)
	if err != nil {
		return err
	}
	if scaledUp {
		return c.syncRolloutStatus(ctx, allRSs, newRS, d)
	}
	scaledDown, err := c.reconcileOldReplicaSets(ctx, allRSs, activeReplicaSets(oldRSs), newRS, d)
	if err != nil {
		return err
	}
	if scaledDown {
		return c.syncRolloutStatus(ctx, allRSs, newRS, d)
	}
	if deploymentComplete(d, &d.Status) {
		if err := c.cleanupDeployment(ctx, oldRSs, d); err != nil {
			return err
		}
	}
	return c.syncRolloutStatus(ctx, allRSs, newRS, d)
}

// reconcileNewReplicaSet grows the new ReplicaSet as far as maxSurge
// allows (or shrinks it back to spec.replicas).
func (c *Controller) reconcileNewReplicaSet(ctx context.Context, allRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment) (bool, error) {
	switch {
	case rsReplicas(newRS) == desiredReplicas(d):
		return false, nil
	case rsReplicas(newRS) > desiredReplicas(d):
		scaled, _, err := c.scaleReplicaSetAndRecordEvent(ctx, newRS, desiredReplicas(d), d)
		return scaled, err
	}
	want, err := newRSNewReplicas(d, allRSs, newRS)
	if err != nil {
		return false, err
	}
	scaled, _, err := c.scaleReplicaSetAndRecordEvent(ctx, newRS, want, d)
	return scaled, err
}

// reconcileOldReplicaSets shrinks old ReplicaSets by at most
// maxScaledDown = all pods − (spec.replicas − maxUnavailable) − new pods
// not yet available: first their unavailable pods, then available ones
// while enough stay available.
func (c *Controller) reconcileOldReplicaSets(ctx context.Context, allRSs, oldRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment) (bool, error) {
	if specReplicaSum(oldRSs) == 0 {
		return false, nil
	}
	minAvailable := desiredReplicas(d) - maxUnavailable(d)
	newUnavailable := rsReplicas(newRS) - newRS.Status.AvailableReplicas
	maxScaledDown := specReplicaSum(allRSs) - minAvailable - newUnavailable
	if maxScaledDown <= 0 {
		return false, nil
	}
	// Unhealthy old pods go first: they cost no availability, and left in
	// place they could block the rollout until it times out.
	oldRSs, cleaned, err := c.cleanupUnhealthyReplicas(ctx, oldRSs, d, maxScaledDown)
	if err != nil {
		return false, err
	}
	scaledDown, err := c.scaleDownOldReplicaSetsForRollingUpdate(ctx, append(oldRSs, newRS), oldRSs, d)
	if err != nil {
		return false, err
	}
	return cleaned+scaledDown > 0, nil
}

// cleanupUnhealthyReplicas shrinks old ReplicaSets, oldest first, by their
// unavailable replicas, at most maxCleanup in total. The ReplicaSet
// controller deletes not-ready, unscheduled and pending pods first, so
// availability does not drop.
func (c *Controller) cleanupUnhealthyReplicas(ctx context.Context, oldRSs []*appsv1.ReplicaSet, d *appsv1.Deployment, maxCleanup int32) ([]*appsv1.ReplicaSet, int32, error) {
	oldRSs = slices.SortedFunc(slices.Values(oldRSs), byCreation)
	total := int32(0)
	for i, rs := range oldRSs {
		if total >= maxCleanup {
			break
		}
		unhealthy := rsReplicas(rs) - rs.Status.AvailableReplicas
		if rsReplicas(rs) == 0 || unhealthy <= 0 {
			continue
		}
		n := min(maxCleanup-total, unhealthy)
		_, updated, err := c.scaleReplicaSetAndRecordEvent(ctx, rs, rsReplicas(rs)-n, d)
		if err != nil {
			return nil, total, err
		}
		total += n
		oldRSs[i] = updated
	}
	return oldRSs, total, nil
}

// scaleDownOldReplicaSetsForRollingUpdate shrinks old ReplicaSets, oldest
// first, by as many pods as are available beyond spec.replicas −
// maxUnavailable.
func (c *Controller) scaleDownOldReplicaSetsForRollingUpdate(ctx context.Context, allRSs, oldRSs []*appsv1.ReplicaSet, d *appsv1.Deployment) (int32, error) {
	minAvailable := desiredReplicas(d) - maxUnavailable(d)
	available := availableReplicaSum(allRSs)
	if available <= minAvailable {
		return 0, nil
	}
	want := available - minAvailable
	total := int32(0)
	for _, rs := range slices.SortedFunc(slices.Values(oldRSs), byCreation) {
		if total >= want {
			break
		}
		if rsReplicas(rs) == 0 {
			continue
		}
		n := min(rsReplicas(rs), want-total)
		if _, _, err := c.scaleReplicaSetAndRecordEvent(ctx, rs, rsReplicas(rs)-n, d); err != nil {
			return total, fmt.Errorf("scale down old ReplicaSets: %w", err)
		}
		total += n
	}
	return total, nil
}
