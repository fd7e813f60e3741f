package deployment

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// desiredReplicas is spec.replicas; the API server defaults it to 1.
func desiredReplicas(d *appsv1.Deployment) int32 { return ptr.Deref(d.Spec.Replicas, 1) }

// rsReplicas is a ReplicaSet's spec.replicas (defaulted to 1 as well).
func rsReplicas(rs *appsv1.ReplicaSet) int32 { return ptr.Deref(rs.Spec.Replicas, 1) }

func isRollingUpdate(d *appsv1.Deployment) bool {
	return d.Spec.Strategy.Type == appsv1.RollingUpdateDeploymentStrategyType
}

// ResolveFenceposts turns maxSurge and maxUnavailable into pod counts for
// desired replicas, as upstream: surge rounds a percentage up, unavailable
// rounds it down, and when both come out zero unavailable becomes 1.
// Validation forbids two explicit zeros, but rounding a small percentage
// down can produce them; upstream then prefers one unavailable pod to a
// surge pod because a surge may be blocked by quota. A nil value means 0.
func ResolveFenceposts(maxSurge, maxUnavailable *intstr.IntOrString, desired int32) (surge, unavailable int32, err error) {
	s, err := intstr.GetScaledValueFromIntOrPercent(intstr.ValueOrDefault(maxSurge, intstr.FromInt32(0)), int(desired), true)
	if err != nil {
		return 0, 0, fmt.Errorf("maxSurge: %w", err)
	}
	u, err := intstr.GetScaledValueFromIntOrPercent(intstr.ValueOrDefault(maxUnavailable, intstr.FromInt32(0)), int(desired), false)
	if err != nil {
		return 0, 0, fmt.Errorf("maxUnavailable: %w", err)
	}
	if s == 0 && u == 0 {
		u = 1
	}
	return int32(s), int32(u), nil
}

// fenceposts resolves d's rolling-update parameters. A malformed value
// (validation rejects those) counts as zero.
func fenceposts(d *appsv1.Deployment) (surge, unavailable int32) {
	ru := d.Spec.Strategy.RollingUpdate
	if ru == nil {
		ru = &appsv1.RollingUpdateDeployment{}
	}
	surge, unavailable, _ = ResolveFenceposts(ru.MaxSurge, ru.MaxUnavailable, desiredReplicas(d))
	return surge, unavailable
}

// maxSurge is how many pods above spec.replicas a rollout may run; zero
// for Recreate.
func maxSurge(d *appsv1.Deployment) int32 {
	if !isRollingUpdate(d) {
		return 0
	}
	surge, _ := fenceposts(d)
	return surge
}

// maxUnavailable is how many pods below spec.replicas a rollout may fall;
// zero for Recreate and for a deployment scaled to zero, and never more
// than spec.replicas.
func maxUnavailable(d *appsv1.Deployment) int32 {
	if !isRollingUpdate(d) || desiredReplicas(d) == 0 {
		return 0
	}
	_, unavailable := fenceposts(d)
	return min(unavailable, desiredReplicas(d))
}

// newRSNewReplicas is the size the new ReplicaSet may grow to now: for a
// rolling update as far as spec.replicas+maxSurge total pods allows (never
// beyond spec.replicas), for Recreate straight to spec.replicas.
func newRSNewReplicas(d *appsv1.Deployment, allRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) (int32, error) {
	switch d.Spec.Strategy.Type {
	case appsv1.RollingUpdateDeploymentStrategyType:
		current := specReplicaSum(allRSs)
		maxTotal := desiredReplicas(d) + maxSurge(d)
		if current >= maxTotal {
			return rsReplicas(newRS), nil
		}
		up := min(maxTotal-current, desiredReplicas(d)-rsReplicas(newRS))
		return rsReplicas(newRS) + up, nil
	case appsv1.RecreateDeploymentStrategyType:
		return desiredReplicas(d), nil
	default:
		return 0, fmt.Errorf("deployment strategy %q is not supported", d.Spec.Strategy.Type)
	}
}
