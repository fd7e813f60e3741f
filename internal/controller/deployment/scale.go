package deployment

import (
	"context"
	"fmt"
	"math"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// scale resizes the ReplicaSets after spec.replicas changed (or while
// paused): a lone active (or the newest) ReplicaSet takes spec.replicas; a
// saturated new ReplicaSet takes over entirely; otherwise, for a rolling
// update, the difference to spec.replicas+maxSurge is spread over the
// active ReplicaSets in proportion to their size.
func (c *Controller) scale(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet) error {
	if rs := findActiveOrLatest(newRS, oldRSs); rs != nil {
		if rsReplicas(rs) == desiredReplicas(d) {
			return nil
		}
		_, _, err := c.scaleReplicaSetAndRecordEvent(ctx, rs, desiredReplicas(d), d)
		return err
	}
	if isSaturated(d, newRS) {
		for _, old := range activeReplicaSets(oldRSs) {
			if _, _, err := c.scaleReplicaSetAndRecordEvent(ctx, old, 0, d); err != nil {
				return err
			}
		}
		return nil
	}
	if !isRollingUpdate(d) {
		return nil
	}
	return c.scaleProportionally(ctx, d, activeReplicaSets(append(oldRSs, newRS)))
}

// scaleProportionally writes the sizes proportionalSizes computes, one
// ReplicaSet at a time; the first failure ends the sync (it is retried).
func (c *Controller) scaleProportionally(ctx context.Context, d *appsv1.Deployment, active []*appsv1.ReplicaSet) error {
	sizes, operation := proportionalSizes(d, active)
	for _, rs := range active {
		if _, _, err := c.scaleReplicaSet(ctx, rs, sizes[rs.Name], d, operation); err != nil {
			return err
		}
	}
	return nil
}

// proportionalSizes computes every active ReplicaSet's new size. They are
// visited largest first (newer first among equals when growing, older
// first when shrinking); each gets its share of the change, capped so the
// total never overshoots, and the rounding leftover goes to the first.
// active is sorted in place into that order.
func proportionalSizes(d *appsv1.Deployment, active []*appsv1.ReplicaSet) (map[string]int32, string) {
	allowed := int32(0)
	if desiredReplicas(d) > 0 {
		allowed = desiredReplicas(d) + maxSurge(d)
	}
	toAdd := allowed - specReplicaSum(active)
	operation := ""
	switch {
	case toAdd > 0:
		slices.SortFunc(active, bySizeNewer)
		operation = "up"
	case toAdd < 0:
		slices.SortFunc(active, bySizeOlder)
		operation = "down"
	}
	sizes := make(map[string]int32, len(active))
	added := int32(0)
	for _, rs := range active {
		share := int32(0)
		if toAdd != 0 {
			share = proportion(rs, d, toAdd, added)
			added += share
		}
		sizes[rs.Name] = rsReplicas(rs) + share
	}
	if toAdd != 0 && len(active) > 0 {
		first := active[0].Name
		sizes[first] = max(sizes[first]+toAdd-added, 0)
	}
	return sizes, operation
}

// proportion is rs's share of toAdd given added so far: its fraction,
// never beyond what is left to add (or remove).
func proportion(rs *appsv1.ReplicaSet, d *appsv1.Deployment, toAdd, added int32) int32 {
	if rsReplicas(rs) == 0 || toAdd == 0 || toAdd == added {
		return 0
	}
	fraction := replicaSetFraction(rs, d)
	left := toAdd - added
	if toAdd > 0 {
		return min(fraction, left)
	}
	return max(fraction, left)
}

// replicaSetFraction scales rs by the ratio of the new spec.replicas+
// maxSurge to the one recorded in its max-replicas annotation (falling back
// to status.replicas, as upstream), rounding half away from zero; scaling
// to zero removes all of it.
func replicaSetFraction(rs *appsv1.ReplicaSet, d *appsv1.Deployment) int32 {
	if desiredReplicas(d) == 0 {
		return -rsReplicas(rs)
	}
	deploymentMax := desiredReplicas(d) + maxSurge(d)
	annotated, ok := intAnnotation(rs, MaxReplicasAnnotation)
	if !ok {
		annotated = d.Status.Replicas
	}
	if annotated == 0 {
		return 0 // nothing to scale from; the leftover goes to the largest
	}
	size := float64(rsReplicas(rs)*deploymentMax) / float64(annotated)
	return int32(math.Round(size)) - rsReplicas(rs)
}

// scaleReplicaSetAndRecordEvent resizes rs if its size differs.
func (c *Controller) scaleReplicaSetAndRecordEvent(ctx context.Context, rs *appsv1.ReplicaSet, newScale int32, d *appsv1.Deployment) (bool, *appsv1.ReplicaSet, error) {
	if rsReplicas(rs) == newScale {
		return false, rs, nil
	}
	operation := "down"
	if rsReplicas(rs) < newScale {
		operation = "up"
	}
	return c.scaleReplicaSet(ctx, rs, newScale, d, operation)
}

// scaleReplicaSet writes rs's size and its desired/max-replicas
// annotations when either is stale, with a ScalingReplicaSet event when
// the size changed. It reports whether the size changed.
func (c *Controller) scaleReplicaSet(ctx context.Context, rs *appsv1.ReplicaSet, newScale int32, d *appsv1.Deployment, operation string) (bool, *appsv1.ReplicaSet, error) {
	sizeChanged := rsReplicas(rs) != newScale
	desired, maxTotal := desiredReplicas(d), desiredReplicas(d)+maxSurge(d)
	if !sizeChanged && !replicasAnnotationsNeedUpdate(rs, desired, maxTotal) {
		return false, rs, nil
	}
	oldScale := rsReplicas(rs)
	rsCopy := rs.DeepCopy()
	rsCopy.Spec.Replicas = ptr.To(newScale)
	setReplicasAnnotations(rsCopy, desired, maxTotal)
	updated, err := c.client.AppsV1().ReplicaSets(rsCopy.Namespace).Update(ctx, rsCopy, metav1.UpdateOptions{})
	if err != nil {
		return false, rs, fmt.Errorf("scale ReplicaSet %s/%s to %d: %w", rs.Namespace, rs.Name, newScale, err)
	}
	if sizeChanged {
		c.recorder.Eventf(d, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled %s replica set %s to %d from %d", operation, updated.Name, newScale, oldScale)
	}
	return sizeChanged, updated, nil
}
