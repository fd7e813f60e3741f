package deployment

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// rolloutRecreate scales every old ReplicaSet to zero, waits until none of
// their pods is running (terminating ones included), and only then creates
// and scales up the new ReplicaSet.
func (c *Controller) rolloutRecreate(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet, podMap map[types.UID][]*corev1.Pod) error {
	// Not created yet: a new ReplicaSet must not start before the old
	// pods are gone.
	newRS, oldRSs, err := c.replicaSetsAndSyncRevision(ctx, d, rss, false)
	if err != nil {
		return err
	}
	allRSs := append(oldRSs, newRS)
	scaledDown, err := c.scaleDownOldReplicaSetsForRecreate(ctx, activeReplicaSets(oldRSs), d)
	if err != nil {
		return err
	}
	if scaledDown || oldPodsRunning(newRS, oldRSs, podMap) {
		return c.syncRolloutStatus(ctx, allRSs, newRS, d)
	}
	if newRS == nil {
		if newRS, oldRSs, err = c.replicaSetsAndSyncRevision(ctx, d, rss, true); err != nil {
			return err
		}
		allRSs = append(oldRSs, newRS)
	}
	if _, _, err := c.scaleReplicaSetAndRecordEvent(ctx, newRS, desiredReplicas(d), d); err != nil {
		return err
	}
	if deploymentComplete(d, &d.Status) {
		if err := c.cleanupDeployment(ctx, oldRSs, d); err != nil {
			return err
		}
	}
	return c.syncRolloutStatus(ctx, allRSs, newRS, d)
}

// scaleDownOldReplicaSetsForRecreate scales every old ReplicaSet to zero.
func (c *Controller) scaleDownOldReplicaSetsForRecreate(ctx context.Context, oldRSs []*appsv1.ReplicaSet, d *appsv1.Deployment) (bool, error) {
	scaled := false
	for _, rs := range oldRSs {
		if rsReplicas(rs) == 0 {
			continue
		}
		changed, _, err := c.scaleReplicaSetAndRecordEvent(ctx, rs, 0, d)
		if err != nil {
			return false, err
		}
		scaled = scaled || changed
	}
	return scaled, nil
}

// oldPodsRunning reports whether an old ReplicaSet still counts pods, or
// any pod of an old ReplicaSet is not Succeeded or Failed (an Unknown
// phase counts as running: the node may just be unreachable).
func oldPodsRunning(newRS *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet, podMap map[types.UID][]*corev1.Pod) bool {
	if statusReplicaSum(oldRSs) > 0 {
		return true
	}
	for uid, pods := range podMap {
		if newRS != nil && newRS.UID == uid {
			continue
		}
		for _, pod := range pods {
			if pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed {
				return true
			}
		}
	}
	return false
}
