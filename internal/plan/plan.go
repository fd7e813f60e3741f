// Package plan is a read-only what-if for draining many nodes: the waves in
// which they can be drained without a single 429 (every budget respected,
// counting that replacements are healthy only after their readiness
// delay, and where they would be scheduled), the nodes that can never be
// drained as things stand and why, and an estimate of the duration. It
// reads a snapshot through client-go and writes nothing.
package plan

import (
	"encoding/json"
	"io"
)

// Plan is the what-if's answer.
type Plan struct {
	// Nodes are the nodes asked for, in order.
	Nodes []string `json:"nodes"`
	// CordonFirst: the plan assumes every node asked for is cordoned before
	// the first wave, so replacements land only on the other nodes.
	CordonFirst bool `json:"cordonFirst"`
	// Waves drain in order; the nodes of one wave are drained together.
	Waves []Wave `json:"waves"`
	// Blocked are the nodes no wave can drain without a 429.
	Blocked []Blocked `json:"blocked"`
	// Estimate is the sum of the waves' estimates.
	Estimate Estimate `json:"estimate"`
	// Notes are the assumptions the simulation made.
	Notes []string `json:"notes,omitempty"`
}

// Wave is a set of nodes drained together once its budgets have room.
type Wave struct {
	Index int      `json:"index"`
	Nodes []string `json:"nodes"`
	// Await are the budget states to wait for before the wave starts:
	// the replacements of earlier waves Ready and counted.
	Await []Await `json:"await,omitempty"`
	// Evictions are the pods the wave evicts.
	Evictions []Eviction `json:"evictions"`
	Estimate  Estimate   `json:"estimate"`
}

// Await is a budget state a wave waits for.
type Await struct {
	Namespace string `json:"namespace"`
	Budget    string `json:"budget"`
	// DisruptionsAllowed is the least status.disruptionsAllowed the wave
	// needs (the budget-consuming evictions it makes).
	DisruptionsAllowed int32 `json:"disruptionsAllowed"`
	// CurrentHealthy is the least status.currentHealthy to wait for: the
	// healthy count the simulation expects once earlier replacements are
	// Ready (an unready pod goes without the budget only while
	// currentHealthy >= desiredHealthy).
	CurrentHealthy int32 `json:"currentHealthy"`
}

// Eviction is one pod a wave evicts.
type Eviction struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Node      string `json:"node"`
	// Budget is the budget the eviction consumes, if any.
	Budget string `json:"budget,omitempty"`
	// Unhealthy marks an unready pod its budget lets go without consuming.
	Unhealthy bool `json:"unhealthy,omitempty"`
	// Replacement is where the owner's new pod would be scheduled; empty
	// when nothing replaces the pod or it would stay Pending.
	Replacement string `json:"replacement,omitempty"`
	// Pending explains a replacement that fits nowhere.
	Pending string `json:"pending,omitempty"`
	// TerminationSeconds is how long the pod takes to go;
	// ReadySeconds how long after the eviction its replacement is Ready.
	TerminationSeconds float64 `json:"terminationSeconds"`
	ReadySeconds       float64 `json:"readySeconds,omitempty"`
}

// Blocked is a node no wave can drain without a 429, with every reason.
type Blocked struct {
	Node string `json:"node"`
	// Permanent: the drain can never finish as things stand; otherwise it
	// would finish, but only through 429 retries.
	Permanent bool     `json:"permanent"`
	Reasons   []Reason `json:"reasons"`
}

// Reason is why one pod blocks a node.
type Reason struct {
	// Code: MultipleBudgets, NoDisruptionEver, NoRoomForReplacements,
	// NeverReady, NeedsRetries, Unmanaged, LocalStorage.
	Code      string `json:"code"`
	Namespace string `json:"namespace,omitempty"`
	Pod       string `json:"pod,omitempty"`
	Budget    string `json:"budget,omitempty"`
	Message   string `json:"message"`
}

// The reason codes.
const (
	ReasonMultipleBudgets  = "MultipleBudgets"
	ReasonNoDisruptionEver = "NoDisruptionEver"
	ReasonNoRoom           = "NoRoomForReplacements"
	ReasonNeverReady       = "NeverReady"
	ReasonNeedsRetries     = "NeedsRetries"
	ReasonUnmanaged        = "Unmanaged"
	ReasonLocalStorage     = "LocalStorage"
)

// Estimate is a duration estimate in seconds: Seconds from the pods'
// annotations and probes as evictd's kubelets play them, WorstSeconds with
// every pod using its whole grace period.
type Estimate struct {
	Seconds      float64 `json:"seconds"`
	WorstSeconds float64 `json:"worstSeconds"`
}

// WriteJSON writes p as indented JSON.
func (p *Plan) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}
