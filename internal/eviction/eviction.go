// Package eviction implements the pods/eviction subresource exactly as
// kube-apiserver does (the spec eviction-api.md): an Eviction is
// checked against the pod's PodDisruptionBudget, the budget is consumed by
// one compare-and-swap on the PDB's status before the pod is touched, and
// the pod then gets the DisruptionTarget condition and is deleted
// gracefully with the Eviction's deleteOptions.
package eviction

import (
	"context"
	"log/slog"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/registry/store"
)

// Constants of the upstream eviction handler.
const (
	// MaxDisruptedPodSize bounds status.disruptedPods: beyond it the PDB
	// controller is too far behind and evictions are refused (403).
	MaxDisruptedPodSize = 2000
	// retryAfterSeconds is sent with the "still being processed" 429.
	retryAfterSeconds = 10
)

// DefaultBackoff is upstream's EvictionsRetry: 20 attempts, ~0.5 s apart.
var DefaultBackoff = wait.Backoff{Steps: 20, Duration: 500 * time.Millisecond, Factor: 1.0, Jitter: 0.1}

// Store is what the Evictor needs of the pod and PDB stores
// (*store.Store); tests wrap it to count calls and inject conflicts, as
// upstream's unit tests mock the pod storage.
type Store interface {
	Get(ctx context.Context, namespace, name string) (runtime.Object, error)
	ListShared(ctx context.Context, namespace string) ([]runtime.Object, error)
	Update(ctx context.Context, namespace, name string, tryUpdate store.TryUpdate, opts store.UpdateOptions) (runtime.Object, bool, error)
	Delete(ctx context.Context, namespace, name string, opts *metav1.DeleteOptions) (runtime.Object, bool, error)
	CheckPreconditions(name string, obj runtime.Object, p *metav1.Preconditions) error
}

// Evictor decides and carries out evictions.
type Evictor struct {
	pods    Store
	pdbs    Store
	clock   clock.Clock
	backoff wait.Backoff
	log     *slog.Logger
	lanes   *lanes
}

// Options tunes an Evictor.
type Options struct {
	// Clock stamps disruptedPods and conditions, and times retries.
	Clock clock.Clock
	// Backoff paces conflict retries; zero means DefaultBackoff. Tests
	// shorten it.
	Backoff wait.Backoff
	// Log receives one INFO line per eviction decision; nil means
	// slog.Default().
	Log *slog.Logger
}

// New returns an Evictor over the pod and PodDisruptionBudget stores.
func New(pods, pdbs Store, opts Options) *Evictor {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.Backoff.Steps == 0 {
		opts.Backoff = DefaultBackoff
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Evictor{pods: pods, pdbs: pdbs, clock: opts.Clock, backoff: opts.Backoff, log: opts.Log, lanes: newLanes()}
}
