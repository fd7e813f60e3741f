package disruption

import (
	"testing"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	pdbhelper "k8s.io/component-helpers/apps/poddisruptionbudget"
)

// TestSetDisruptionAllowedMatchesTheHelper checks that our clock-aware
// setDisruptionAllowed gives the same conditions as upstream's
// UpdateDisruptionAllowedCondition, apart from the transition time.
func TestSetDisruptionAllowedMatchesTheHelper(t *testing.T) {
	t.Parallel()
	earlier := metav1.NewTime(t0.Add(-time.Hour))
	cond := func(status metav1.ConditionStatus, reason, message string) []metav1.Condition {
		return []metav1.Condition{{Type: policyv1.DisruptionAllowedCondition, Status: status, Reason: reason, Message: message,
			ObservedGeneration: 1, LastTransitionTime: earlier}}
	}
	tests := []struct {
		name           string
		conditions     []metav1.Condition
		allowed        int32
		wantTransition bool
	}{
		{name: "new condition, allowed", allowed: 1, wantTransition: true},
		{name: "new condition, not allowed", allowed: 0, wantTransition: true},
		{name: "True stays True", conditions: cond(metav1.ConditionTrue, policyv1.SufficientPodsReason, ""), allowed: 2},
		{name: "True becomes False", conditions: cond(metav1.ConditionTrue, policyv1.SufficientPodsReason, ""), allowed: 0, wantTransition: true},
		{name: "SyncFailed becomes InsufficientPods without a transition", conditions: cond(metav1.ConditionFalse, policyv1.SyncFailedReason, "boom"), allowed: 0},
		{name: "SyncFailed becomes SufficientPods", conditions: cond(metav1.ConditionFalse, policyv1.SyncFailedReason, "boom"), allowed: 3, wantTransition: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ours := newPDB("pdb", withStatus(policyv1.PodDisruptionBudgetStatus{ObservedGeneration: 7, DisruptionsAllowed: tt.allowed, Conditions: tt.conditions}))
			theirs := ours.DeepCopy()
			setDisruptionAllowed(ours, t0)
			pdbhelper.UpdateDisruptionAllowedCondition(theirs)
			if len(ours.Status.Conditions) != 1 || len(theirs.Status.Conditions) != 1 {
				t.Fatalf("conditions: ours %v, helper's %v", ours.Status.Conditions, theirs.Status.Conditions)
			}
			got, want := ours.Status.Conditions[0], theirs.Status.Conditions[0]
			wantTime := earlier
			if tt.wantTransition {
				wantTime = metav1.NewTime(t0)
			}
			if !got.LastTransitionTime.Equal(&wantTime) {
				t.Errorf("lastTransitionTime = %v, want %v", got.LastTransitionTime, wantTime)
			}
			got.LastTransitionTime, want.LastTransitionTime = metav1.Time{}, metav1.Time{}
			if got != want {
				t.Errorf("condition:\n ours   %+v\n helper %+v", got, want)
			}
			ours.Generation = 7
			if !pdbhelper.ConditionsAreUpToDate(ours) {
				t.Error("the helper does not find our condition up to date")
			}
		})
	}
}
