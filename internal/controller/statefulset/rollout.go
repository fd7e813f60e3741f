package statefulset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// rollOut is the RollingUpdate step, reached only once every replica was
// processed (for OrderedReady: all Running, Ready and available) and no
// scale-down is pending. Ordinals below the partition keep their revision.
func (r *round) rollOut(ctx context.Context, replicas []*corev1.Pod, status *appsv1.StatefulSetStatus) error {
	partition := 0
	ru := r.set.Spec.UpdateStrategy.RollingUpdate
	if ru != nil && ru.Partition != nil {
		partition = int(*ru.Partition)
	}
	// Upstream takes this path when the MaxUnavailableStatefulSet gate is on
	// (its defaulting then sets maxUnavailable 1); evictd's API server does
	// not default the field, so a set that names it opts in.
	if ru != nil && ru.MaxUnavailable != nil {
		return r.rollOutMaxUnavailable(ctx, replicas, partition, ru.MaxUnavailable, status)
	}
	// From the highest ordinal down: delete the first pod not at the
	// update revision (its replacement is created at the update revision
	// by a later sync), or stop at the first unhealthy one.
	for target := len(replicas) - 1; target >= partition; target-- {
		pod := replicas[target]
		if podRevision(pod) != r.update.Name && !isTerminating(pod) {
			err := r.c.deleteStatefulPod(ctx, r.set, pod)
			if apierrors.IsNotFound(err) {
				err = nil
			}
			status.CurrentReplicas--
			return err
		}
		if !isHealthy(pod) {
			return nil
		}
	}
	return nil
}

// rollOutMaxUnavailable deletes, highest ordinal first and not below the
// partition, as many outdated pods as maxUnavailable (of the replicas,
// rounded down, at least 1) allows given the replicas already unavailable.
func (r *round) rollOutMaxUnavailable(ctx context.Context, replicas []*corev1.Pod, partition int,
	maxUnavailable *intstr.IntOrString, status *appsv1.StatefulSetStatus) error {
	limit, err := intstr.GetScaledValueFromIntOrPercent(maxUnavailable, int(*r.set.Spec.Replicas), false)
	if err != nil {
		return err
	}
	limit = max(limit, 1)
	unavailable := 0
	for _, pod := range replicas {
		if !isHealthy(pod) || !isRunningAndAvailable(pod, r.set.Spec.MinReadySeconds, r.now) {
			unavailable++
		}
	}
	for target := len(replicas) - 1; target >= partition && unavailable < limit; target-- {
		pod := replicas[target]
		if podRevision(pod) == r.update.Name || isTerminating(pod) {
			continue
		}
		if err := r.c.deleteStatefulPod(ctx, r.set, pod); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		unavailable++
		status.CurrentReplicas--
	}
	return nil
}
