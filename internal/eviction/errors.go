package eviction

import (
	"fmt"
	"net/http"

	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// budgetMessage is the message of every budget 429.
const budgetMessage = "Cannot evict pod as it would violate the pod's disruption budget."

// multiplePDBsMessage is the 500 for a pod selected by several budgets.
const multiplePDBsMessage = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."

var pdbResource = schema.GroupResource{Group: "policy", Resource: "poddisruptionbudget"}

// tooManyRequests is a budget 429 with one DisruptionBudget cause;
// retryAfter > 0 adds details.retryAfterSeconds (and so the header).
func tooManyRequests(cause string, retryAfter int32) error {
	err := apierrors.NewTooManyRequests(budgetMessage, 0)
	err.ErrStatus.Details = &metav1.StatusDetails{
		RetryAfterSeconds: retryAfter,
		Causes:            []metav1.StatusCause{{Type: policyv1.DisruptionBudgetCause, Message: cause}},
	}
	return err
}

// stillProcessing is the 429 for a budget the controller has not caught
// up with (or an unhealthy-pod delete that lost a race).
func stillProcessing(pdb string) error {
	return tooManyRequests(fmt.Sprintf("The disruption budget %s is still being processed by the server.", pdb), retryAfterSeconds)
}

// forbidden is one of the two 403s of a broken budget.
func forbidden(pdb, reason string) error {
	return apierrors.NewForbidden(pdbResource, pdb, fmt.Errorf("%s", reason))
}

// multiplePDBs is returned as a plain 500 with an empty reason, as upstream
// returns a failed Status as the result.
func multiplePDBs() error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusInternalServerError, Message: multiplePDBsMessage,
	}}
}

// budgetExhausted is the 429 of a budget at 0, with the v1.35+ cause
// wording (kubernetes PR #133097).
func budgetExhausted(pdb *policyv1.PodDisruptionBudget) error {
	cond := disruptionAllowed(pdb)
	classic := fmt.Sprintf("The disruption budget %s needs %d healthy pods and has %d currently", pdb.Name, pdb.Status.DesiredHealthy, pdb.Status.CurrentHealthy)
	switch {
	case cond != nil && cond.Status == metav1.ConditionFalse && cond.Message != "" && cond.Reason == policyv1.SyncFailedReason:
		return tooManyRequests(fmt.Sprintf("The disruption budget %s does not allow evicting pods currently because it failed sync: %s", pdb.Name, cond.Message), 0)
	case pdb.Status.CurrentHealthy <= pdb.Status.DesiredHealthy:
		return tooManyRequests(classic, 0)
	case cond != nil && cond.Status == metav1.ConditionFalse && cond.Message != "":
		return tooManyRequests(fmt.Sprintf("The disruption budget %s does not allow evicting pods currently (%s): %s", pdb.Name, cond.Reason, cond.Message), 0)
	}
	return tooManyRequests(fmt.Sprintf("The disruption budget %s does not allow evicting pods currently", pdb.Name), 0)
}

// disruptionAllowed returns the DisruptionAllowed condition, if any.
func disruptionAllowed(pdb *policyv1.PodDisruptionBudget) *metav1.Condition {
	for i := range pdb.Status.Conditions {
		if pdb.Status.Conditions[i].Type == policyv1.DisruptionAllowedCondition {
			return &pdb.Status.Conditions[i]
		}
	}
	return nil
}
