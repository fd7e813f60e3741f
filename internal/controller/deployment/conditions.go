package deployment

import (
	"math"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Condition reasons, verbatim from upstream; kubectl rollout status reads
// ProgressDeadlineExceeded.
const (
	// ReasonReplicaSetUpdated: Progressing, a ReplicaSet of the rollout moved.
	ReasonReplicaSetUpdated = "ReplicaSetUpdated"
	// ReasonFailedRSCreate: Progressing=False, the new ReplicaSet could not be created.
	ReasonFailedRSCreate = "ReplicaSetCreateError"
	// ReasonNewReplicaSet: Progressing, the new ReplicaSet was created.
	ReasonNewReplicaSet = "NewReplicaSetCreated"
	// ReasonFoundNewRS: Progressing, an existing ReplicaSet matches the template.
	ReasonFoundNewRS = "FoundNewReplicaSet"
	// ReasonNewRSAvailable: Progressing, the rollout completed.
	ReasonNewRSAvailable = "NewReplicaSetAvailable"
	// ReasonTimedOut: Progressing=False, no progress within progressDeadlineSeconds.
	ReasonTimedOut = "ProgressDeadlineExceeded"
	// ReasonPaused: Progressing=Unknown while paused.
	ReasonPaused = "DeploymentPaused"
	// ReasonResumed: Progressing=Unknown once resumed.
	ReasonResumed = "DeploymentResumed"
	// ReasonMinimumReplicasAvailable: Available=True.
	ReasonMinimumReplicasAvailable = "MinimumReplicasAvailable"
	// ReasonMinimumReplicasUnavailable: Available=False.
	ReasonMinimumReplicasUnavailable = "MinimumReplicasUnavailable"
)

// newCondition stamps both times with now.
func newCondition(t appsv1.DeploymentConditionType, status corev1.ConditionStatus, reason, message string, now time.Time) appsv1.DeploymentCondition {
	ts := metav1.NewTime(now)
	return appsv1.DeploymentCondition{Type: t, Status: status, Reason: reason, Message: message, LastUpdateTime: ts, LastTransitionTime: ts}
}

// getCondition returns a copy of the condition of type t, or nil.
func getCondition(s appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for _, c := range s.Conditions {
		if c.Type == t {
			return &c
		}
	}
	return nil
}

// setCondition replaces the condition of c's type unless status and reason
// are unchanged (then nothing changes, not even lastUpdateTime); an
// unchanged status keeps its lastTransitionTime.
func setCondition(s *appsv1.DeploymentStatus, c appsv1.DeploymentCondition) {
	cur := getCondition(*s, c.Type)
	if cur != nil && cur.Status == c.Status && cur.Reason == c.Reason {
		return
	}
	if cur != nil && cur.Status == c.Status {
		c.LastTransitionTime = cur.LastTransitionTime
	}
	removeCondition(s, c.Type)
	s.Conditions = append(s.Conditions, c)
}

// removeCondition drops the condition of type t.
func removeCondition(s *appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) {
	var kept []appsv1.DeploymentCondition
	for _, c := range s.Conditions {
		if c.Type != t {
			kept = append(kept, c)
		}
	}
	s.Conditions = kept
}

// fromReplicaSetCondition promotes a ReplicaSet's ReplicaFailure condition.
func fromReplicaSetCondition(c appsv1.ReplicaSetCondition) appsv1.DeploymentCondition {
	return appsv1.DeploymentCondition{
		Type: appsv1.DeploymentConditionType(c.Type), Status: c.Status, Reason: c.Reason, Message: c.Message,
		LastTransitionTime: c.LastTransitionTime, LastUpdateTime: c.LastTransitionTime,
	}
}

// hasProgressDeadline: progressDeadlineSeconds set and not MaxInt32, which
// upstream treats as "no deadline".
func hasProgressDeadline(d *appsv1.Deployment) bool {
	return d.Spec.ProgressDeadlineSeconds != nil && *d.Spec.ProgressDeadlineSeconds != math.MaxInt32
}

// hasRevisionHistoryLimit: revisionHistoryLimit set and not MaxInt32.
func hasRevisionHistoryLimit(d *appsv1.Deployment) bool {
	return d.Spec.RevisionHistoryLimit != nil && *d.Spec.RevisionHistoryLimit != math.MaxInt32
}

// deploymentComplete: every desired replica is updated and available, no
// old one is left, and the status describes the current generation.
func deploymentComplete(d *appsv1.Deployment, s *appsv1.DeploymentStatus) bool {
	want := desiredReplicas(d)
	return s.UpdatedReplicas == want && s.Replicas == want && s.AvailableReplicas == want &&
		s.ObservedGeneration >= d.Generation
}

// deploymentProgressing compares s with d's stored status: more updated,
// ready or available replicas, or fewer old ones, is progress.
func deploymentProgressing(d *appsv1.Deployment, s *appsv1.DeploymentStatus) bool {
	old := d.Status
	return s.UpdatedReplicas > old.UpdatedReplicas ||
		s.Replicas-s.UpdatedReplicas < old.Replicas-old.UpdatedReplicas ||
		s.ReadyReplicas > old.ReadyReplicas ||
		s.AvailableReplicas > old.AvailableReplicas
}

// deploymentTimedOut: the Progressing condition was last updated more than
// progressDeadlineSeconds ago (a completed rollout never times out).
func deploymentTimedOut(d *appsv1.Deployment, s *appsv1.DeploymentStatus, now time.Time) bool {
	if !hasProgressDeadline(d) {
		return false
	}
	c := getCondition(*s, appsv1.DeploymentProgressing)
	switch {
	case c == nil || c.Reason == ReasonNewRSAvailable:
		return false
	case c.Reason == ReasonTimedOut:
		return true
	}
	deadline := time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second
	return c.LastUpdateTime.Add(deadline).Before(now)
}
