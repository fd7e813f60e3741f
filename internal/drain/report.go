package drain

import (
	"errors"
	"fmt"
	"time"
)

// Report is what a drain did, node by node and pod by pod (--output json).
type Report struct {
	Nodes []NodeReport `json:"nodes"`
}

// NodeOutcome is how a node's drain ended.
type NodeOutcome string

// The node outcomes.
const (
	NodeOutcomeDrained       NodeOutcome = "Drained"
	NodeOutcomeDryRun        NodeOutcome = "DryRun"
	NodeOutcomeBlocked       NodeOutcome = "TimedOutBlockedByBudget"
	NodeOutcomeTimedOut      NodeOutcome = "TimedOut"
	NodeOutcomeFailed        NodeOutcome = "Failed"
	NodeOutcomeNotCordonable NodeOutcome = "CordonFailed"
)

// NodeReport is one node's drain.
type NodeReport struct {
	Name       string      `json:"name"`
	Outcome    NodeOutcome `json:"outcome"`
	Error      string      `json:"error,omitempty"`
	Warnings   string      `json:"warnings,omitempty"`
	Uncordoned bool        `json:"uncordoned,omitempty"`
	Started    time.Time   `json:"started"`
	Finished   time.Time   `json:"finished"`
	Pods       []PodReport `json:"pods"`
}

// PodOutcome is how a pod's eviction ended.
type PodOutcome string

// The pod outcomes.
const (
	// PodOutcomeDeleted: the pod is gone (its UID no longer exists).
	PodOutcomeDeleted PodOutcome = "Deleted"
	// PodOutcomeSkipped: its deletionTimestamp outgrew
	// --skip-wait-for-delete-timeout, so drain stopped waiting.
	PodOutcomeSkipped PodOutcome = "SkippedWaitForDelete"
	// PodOutcomeDryRun: nothing was changed.
	PodOutcomeDryRun PodOutcome = "DryRun"
	// PodOutcomeBlocked: the timeout came while a budget refused it.
	PodOutcomeBlocked PodOutcome = "BlockedByBudget"
	// PodOutcomeTimedOut: the timeout came while it was terminating.
	PodOutcomeTimedOut PodOutcome = "TimedOut"
	// PodOutcomeFailed: the server answered an error drain cannot retry.
	PodOutcomeFailed PodOutcome = "Failed"
)

// PodReport is one pod's eviction.
type PodReport struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	UID       string `json:"uid"`
	// Method is "eviction/policy/v1", "eviction/policy/v1beta1" or
	// "delete".
	Method   string `json:"method"`
	Attempts int    `json:"attempts"`
	// TooManyRequests counts the 429 answers, First429 and Last429 are
	// the first and last one.
	TooManyRequests int        `json:"tooManyRequests"`
	First429        *time.Time `json:"first429,omitempty"`
	Last429         *time.Time `json:"last429,omitempty"`
	// BlockingPDB is the budget that held the pod back (namespace/name),
	// BlockReason its last explanation.
	BlockingPDB string     `json:"blockingPDB,omitempty"`
	BlockReason string     `json:"blockReason,omitempty"`
	EvictedAt   *time.Time `json:"evictedAt,omitempty"`
	DeletedAt   *time.Time `json:"deletedAt,omitempty"`
	Outcome     PodOutcome `json:"outcome"`
	Error       string     `json:"error,omitempty"`
}

// The process exit codes of a drain (docs/drain.md).
const (
	ExitDrained = 0
	ExitError   = 1
	ExitBlocked = 2
)

// Error is a drain that did not drain every node; ExitCode tells a
// timeout while blocked by a budget (2) from every other failure (1).
type Error struct {
	Code  int
	Nodes []string
	Err   error
}

func (e *Error) Error() string {
	if e.Code == ExitBlocked {
		return fmt.Sprintf("timed out while blocked by a PodDisruptionBudget on %v: %v", e.Nodes, e.Err)
	}
	return fmt.Sprintf("unable to drain %v: %v", e.Nodes, e.Err)
}

// Unwrap returns the nodes' errors.
func (e *Error) Unwrap() error { return e.Err }

// ExitCode is the process exit code for this failure.
func (e *Error) ExitCode() int { return e.Code }

// Err sums the report up: nil when every node drained (or dry-ran), an
// *Error with ExitBlocked when the only failures are timeouts with a pod
// held by a budget, ExitError otherwise.
func (r *Report) Err() error {
	var errs []error
	var nodes []string
	failed, blocked := false, false
	for _, n := range r.Nodes {
		switch n.Outcome {
		case NodeOutcomeDrained, NodeOutcomeDryRun:
			continue
		case NodeOutcomeBlocked:
			blocked = true
		default:
			failed = true
		}
		nodes = append(nodes, n.Name)
		errs = append(errs, fmt.Errorf("%s: %s", n.Name, n.Error))
	}
	switch {
	case failed:
		return &Error{Code: ExitError, Nodes: nodes, Err: errors.Join(errs...)}
	case blocked:
		return &Error{Code: ExitBlocked, Nodes: nodes, Err: errors.Join(errs...)}
	}
	return nil
}
