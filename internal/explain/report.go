// Package explain tells why an eviction is, or would be, refused right now,
// from live state and server-side dry-run evictions. It speaks only
// client-go and never writes: it works against evictd and any real cluster.
package explain

import (
	"encoding/json"
	"io"
)

// Decision is the eviction decision the API server would take for a pod,
// named after the branch of the upstream algorithm that takes it.
type Decision string

// The decisions, in the order the API server's checks reach them.
const (
	// Bypass: Pending, Succeeded, Failed or already deleting pods are
	// evicted without looking at budgets.
	Bypass Decision = "Bypass"
	// NoBudget: no budget selects the pod; it is always evicted.
	NoBudget Decision = "NoBudget"
	// MultipleBudgets: two or more budgets select the pod: 500.
	MultipleBudgets Decision = "MultipleBudgets"
	// UnhealthyAllowed: the pod is not Ready and its budget lets unready
	// pods go (AlwaysAllow, or IfHealthyBudget with the budget met).
	UnhealthyAllowed Decision = "UnhealthyAllowed"
	// StaleBudget: the budget's status lags its spec
	// (observedGeneration < generation): 429 with Retry-After 10.
	StaleBudget Decision = "StaleBudget"
	// NegativeBudget: status.disruptionsAllowed < 0: 403.
	NegativeBudget Decision = "NegativeBudget"
	// TooManyDisrupted: more than 2000 disruptedPods: 403.
	TooManyDisrupted Decision = "TooManyDisrupted"
	// BudgetExhausted: status.disruptionsAllowed is 0: 429.
	BudgetExhausted Decision = "BudgetExhausted"
	// Allowed: the budget has room; the eviction consumes one disruption.
	Allowed Decision = "Allowed"
)

// Evictable tells whether the decision lets the eviction through.
func (d Decision) Evictable() bool {
	switch d {
	case Bypass, NoBudget, UnhealthyAllowed, Allowed:
		return true
	}
	return false
}

// Report is explain's answer for a pod, a node or a budget.
type Report struct {
	// Kind is Pod, Node or PodDisruptionBudget.
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	// Pods are the verdicts: the pod, the node's pods or the budget's pods.
	Pods []PodVerdict `json:"pods"`
	// Budgets are the budgets those pods' decisions read.
	Budgets []Budget `json:"budgets"`
	// Remedies are the general ones for stuck evictions; empty when every
	// pod can be evicted now.
	Remedies []string `json:"remedies,omitempty"`
}

// PodVerdict is why one pod's eviction is, or would be, refused now.
type PodVerdict struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Node      string `json:"node,omitempty"`
	Phase     string `json:"phase"`
	Ready     bool   `json:"ready"`
	// Owner is the pod's controller, as kind/name (a ReplicaSet's
	// Deployment when it has one).
	Owner string `json:"owner,omitempty"`
	// Decision is what evictd computed from the live objects.
	Decision Decision `json:"decision"`
	// Evictable is the server's answer when the dry run reached it, else
	// the decision's.
	Evictable bool `json:"evictable"`
	// Budgets names every budget selecting the pod.
	Budgets []string `json:"budgets,omitempty"`
	// DryRun is the API server's answer to a dry-run eviction of the pod.
	DryRun *DryRun `json:"dryRun,omitempty"`
	// Why lists the reasons, one sentence each.
	Why []string `json:"why,omitempty"`
	// AlwaysAllow says what unhealthyPodEvictionPolicy AlwaysAllow would
	// change for this pod.
	AlwaysAllow string `json:"alwaysAllow,omitempty"`
	// Fix is the smallest concrete change that would let the eviction
	// through.
	Fix string `json:"fix,omitempty"`
}

// DryRun is the API server's answer to a dry-run eviction.
type DryRun struct {
	// Code is the HTTP status: 201 when the eviction would succeed.
	Code int32 `json:"code"`
	// Reason is the Status reason (TooManyRequests, Forbidden, …).
	Reason string `json:"reason,omitempty"`
	// Message is the Status message.
	Message string `json:"message,omitempty"`
	// Cause is the DisruptionBudget cause's message, if any.
	Cause string `json:"cause,omitempty"`
	// RetryAfterSeconds is details.retryAfterSeconds (a stale budget).
	RetryAfterSeconds int32 `json:"retryAfterSeconds,omitempty"`
	// Disagrees is set when the server answered otherwise than the
	// decision computed from the objects read (they changed meanwhile).
	Disagrees bool `json:"disagrees,omitempty"`
}

// Budget is one PodDisruptionBudget as the decisions read it.
type Budget struct {
	Namespace      string `json:"namespace"`
	Name           string `json:"name"`
	Selector       string `json:"selector"`
	MinAvailable   string `json:"minAvailable,omitempty"`
	MaxUnavailable string `json:"maxUnavailable,omitempty"`
	// UnhealthyPodEvictionPolicy is the spec's value, or IfHealthyBudget
	// (the default) when unset.
	UnhealthyPodEvictionPolicy string `json:"unhealthyPodEvictionPolicy"`
	Generation                 int64  `json:"generation"`
	ObservedGeneration         int64  `json:"observedGeneration"`
	DisruptionsAllowed         int32  `json:"disruptionsAllowed"`
	CurrentHealthy             int32  `json:"currentHealthy"`
	DesiredHealthy             int32  `json:"desiredHealthy"`
	ExpectedPods               int32  `json:"expectedPods"`
	// Pods are the pods the selector picks now.
	Pods []BudgetPod `json:"pods"`
	// Findings say why the budget is stale or exhausted.
	Findings []Finding `json:"findings,omitempty"`
	// Fix is the smallest concrete change that gives the budget room.
	Fix string `json:"fix,omitempty"`
}

// BudgetPod is a pod a budget selects.
type BudgetPod struct {
	Name  string `json:"name"`
	Ready bool   `json:"ready"`
	// NotReadySince is when Ready last turned False (RFC 3339), for
	// unready pods.
	NotReadySince string `json:"notReadySince,omitempty"`
	// CrashLoopBackOff is set when a container waits in back-off.
	CrashLoopBackOff bool   `json:"crashLoopBackOff,omitempty"`
	Restarts         int32  `json:"restarts,omitempty"`
	Deleting         bool   `json:"deleting,omitempty"`
	Owner            string `json:"owner,omitempty"`
}

// Finding is one reason a budget is stale or gives no room.
type Finding struct {
	// Code names the finding: Stale, NoController, UnreadyPods,
	// CrashLoopBackOff, ReplicasEqualMinAvailable, MaxUnavailableZero,
	// MinAvailableAll, NoScalableOwner, PendingDisruptions, StatusDrift,
	// SyncFailed, RolloutNotReady.
	Code    string `json:"code"`
	Message string `json:"message"`
}

// The finding codes.
const (
	FindingStale              = "Stale"
	FindingNoController       = "NoController"
	FindingUnreadyPods        = "UnreadyPods"
	FindingCrashLoop          = "CrashLoopBackOff"
	FindingReplicasEqualMin   = "ReplicasEqualMinAvailable"
	FindingMaxUnavailableZero = "MaxUnavailableZero"
	FindingMinAvailableAll    = "MinAvailableAll"
	FindingNoScalableOwner    = "NoScalableOwner"
	FindingPendingDisruptions = "PendingDisruptions"
	FindingStatusDrift        = "StatusDrift"
	FindingSyncFailed         = "SyncFailed"
	FindingRolloutNotReady    = "RolloutNotReady"
)

// WriteJSON writes r as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
