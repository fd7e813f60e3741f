package disruption

import (
	"time"

	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// setDisruptionAllowed sets the DisruptionAllowed condition from
// status.disruptionsAllowed: True/SufficientPods when positive, otherwise
// False/InsufficientPods, with the status's observedGeneration and an empty
// message. It is pdbhelper.UpdateDisruptionAllowedCondition with one
// difference: a transition is stamped with now from the injected clock
// rather than the wall clock, so tests see deterministic times.
func setDisruptionAllowed(pdb *policyv1.PodDisruptionBudget, now time.Time) {
	cond := metav1.Condition{
		Type:               policyv1.DisruptionAllowedCondition,
		Status:             metav1.ConditionFalse,
		Reason:             policyv1.InsufficientPodsReason,
		ObservedGeneration: pdb.Status.ObservedGeneration,
	}
	if pdb.Status.DisruptionsAllowed > 0 {
		cond.Status, cond.Reason = metav1.ConditionTrue, policyv1.SufficientPodsReason
	}
	setCondition(pdb, cond, now)
}

// setCondition is meta.SetStatusCondition (lastTransitionTime moves only
// when the status value changes or the condition is new) on the injected
// clock.
func setCondition(pdb *policyv1.PodDisruptionBudget, cond metav1.Condition, now time.Time) {
	if pdb.Status.Conditions == nil {
		pdb.Status.Conditions = []metav1.Condition{}
	}
	cond.LastTransitionTime = metav1.NewTime(now)
	meta.SetStatusCondition(&pdb.Status.Conditions, cond)
}
