package deployment

import (
	"context"
	"fmt"
	"reflect"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// calculateStatus aggregates the ReplicaSets' status into the Deployment's
// and sets the Available condition: True while available replicas are at
// least spec.replicas − maxUnavailable. Other conditions are carried over.
func (c *Controller) calculateStatus(allRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment) appsv1.DeploymentStatus {
	available := availableReplicaSum(allRSs)
	// unavailable counts against the ReplicaSets' desired sizes, and is
	// never negative (a scale-down leaves extra available pods for a while).
	unavailable := max(specReplicaSum(allRSs)-available, 0)
	s := appsv1.DeploymentStatus{
		ObservedGeneration:  d.Generation,
		Replicas:            statusReplicaSum(allRSs),
		UpdatedReplicas:     statusReplicaSum([]*appsv1.ReplicaSet{newRS}),
		ReadyReplicas:       readyReplicaSum(allRSs),
		AvailableReplicas:   available,
		UnavailableReplicas: unavailable,
		TerminatingReplicas: terminatingReplicaSum(allRSs),
		CollisionCount:      d.Status.CollisionCount,
		Conditions:          append([]appsv1.DeploymentCondition(nil), d.Status.Conditions...),
	}
	now := c.clock.Now()
	if available >= desiredReplicas(d)-maxUnavailable(d) {
		setCondition(&s, newCondition(appsv1.DeploymentAvailable, corev1.ConditionTrue, ReasonMinimumReplicasAvailable, "Deployment has minimum availability.", now))
	} else {
		setCondition(&s, newCondition(appsv1.DeploymentAvailable, corev1.ConditionFalse, ReasonMinimumReplicasUnavailable, "Deployment does not have minimum availability.", now))
	}
	return s
}

// syncDeploymentStatus writes the calculated status if it changed.
func (c *Controller) syncDeploymentStatus(ctx context.Context, allRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment) error {
	s := c.calculateStatus(allRSs, newRS, d)
	if reflect.DeepEqual(d.Status, s) {
		return nil
	}
	d.Status = s
	return c.updateStatus(ctx, d)
}

// syncRolloutStatus is syncDeploymentStatus plus progress: the Progressing
// condition (complete, progressing, or timed out against
// progressDeadlineSeconds), the ReplicaSets' ReplicaFailure condition, and
// a wake-up at the deadline when nothing else would come.
func (c *Controller) syncRolloutStatus(ctx context.Context, allRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment) error {
	s := c.calculateStatus(allRSs, newRS, d)
	if !hasProgressDeadline(d) {
		removeCondition(&s, appsv1.DeploymentProgressing)
	}
	c.setProgressing(&s, newRS, d)
	if failures := replicaFailures(allRSs, newRS); len(failures) > 0 {
		setCondition(&s, failures[0])
	} else {
		removeCondition(&s, appsv1.DeploymentReplicaFailure)
	}
	if reflect.DeepEqual(d.Status, s) {
		c.requeueStuckDeployment(d, s)
		return nil
	}
	d.Status = s
	return c.updateStatus(ctx, d)
}

// setProgressing updates the Progressing condition of a rollout that has
// not completed yet (a completed one is not re-estimated on resyncs).
func (c *Controller) setProgressing(s *appsv1.DeploymentStatus, newRS *appsv1.ReplicaSet, d *appsv1.Deployment) {
	cur := getCondition(d.Status, appsv1.DeploymentProgressing)
	complete := s.Replicas == s.UpdatedReplicas && cur != nil && cur.Reason == ReasonNewRSAvailable
	if !hasProgressDeadline(d) || complete {
		return
	}
	subject := fmt.Sprintf("Deployment %q", d.Name)
	if newRS != nil {
		subject = fmt.Sprintf("ReplicaSet %q", newRS.Name)
	}
	now := c.clock.Now()
	switch {
	case deploymentComplete(d, s):
		setCondition(s, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonNewRSAvailable, subject+" has successfully progressed.", now))
	case deploymentProgressing(d, s):
		// Progress refreshes lastUpdateTime even with an unchanged reason,
		// which setCondition would not do; lastTransitionTime stays while
		// the status stays True.
		cond := newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonReplicaSetUpdated, subject+" is progressing.", now)
		if cur != nil {
			if cur.Status == corev1.ConditionTrue {
				cond.LastTransitionTime = cur.LastTransitionTime
			}
			removeCondition(s, appsv1.DeploymentProgressing)
		}
		setCondition(s, cond)
	case deploymentTimedOut(d, s, now):
		setCondition(s, newCondition(appsv1.DeploymentProgressing, corev1.ConditionFalse, ReasonTimedOut, subject+" has timed out progressing.", now))
	}
}

// replicaFailures promotes ReplicaFailure conditions, the new
// ReplicaSet's in preference to the old ones'.
func replicaFailures(allRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) []appsv1.DeploymentCondition {
	collect := func(rss []*appsv1.ReplicaSet) []appsv1.DeploymentCondition {
		var out []appsv1.DeploymentCondition
		for _, rs := range rss {
			if rs == nil {
				continue
			}
			for _, cond := range rs.Status.Conditions {
				if cond.Type == appsv1.ReplicaSetReplicaFailure {
					out = append(out, fromReplicaSetCondition(cond))
				}
			}
		}
		return out
	}
	if failures := collect([]*appsv1.ReplicaSet{newRS}); len(failures) > 0 {
		return failures
	}
	return collect(allRSs)
}

// requeueStuckDeployment wakes a rollout that shows no progress at its
// progress deadline (lastUpdateTime + progressDeadlineSeconds), plus a
// second against rounding, so ProgressDeadlineExceeded is reported even
// when no other event comes. A deadline less than a second away is
// retried rate-limited.
func (c *Controller) requeueStuckDeployment(d *appsv1.Deployment, s appsv1.DeploymentStatus) {
	cur := getCondition(d.Status, appsv1.DeploymentProgressing)
	if !hasProgressDeadline(d) || cur == nil || deploymentComplete(d, &s) || cur.Reason == ReasonTimedOut {
		return
	}
	deadline := cur.LastUpdateTime.Add(time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second)
	after := deadline.Sub(c.clock.Now())
	if after < time.Second {
		key := d.Namespace + "/" + d.Name
		c.queue.AddRateLimited(key)
		return
	}
	c.enqueueAfter(d, after+time.Second)
}
