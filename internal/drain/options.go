package drain

import (
	"fmt"
	"time"

	"k8s.io/utils/clock"
)

// DryRun is kubectl's --dry-run: nothing, print only, or ask the server.
type DryRun string

// The dry-run strategies, spelled as kubectl's flag values.
const (
	DryRunNone   DryRun = "none"
	DryRunClient DryRun = "client"
	DryRunServer DryRun = "server"
)

// ParseDryRun reads a --dry-run value; "unchanged" is kubectl's spelling
// of a bare --dry-run, which means client.
func ParseDryRun(s string) (DryRun, error) {
	switch s {
	case "", "none":
		return DryRunNone, nil
	case "client", "unchanged":
		return DryRunClient, nil
	case "server":
		return DryRunServer, nil
	}
	return "", fmt.Errorf(`invalid --dry-run %q: must be "none", "server" or "client"`, s)
}

// Options are the choices of one drain; the zero value of each field is
// kubectl drain's default except where noted.
type Options struct {
	// Force deletes pods that declare no controller (--force).
	Force bool
	// IgnoreDaemonSets leaves DaemonSet pods where they are instead of
	// failing the node (--ignore-daemonsets).
	IgnoreDaemonSets bool
	// DeleteEmptyDirData lets pods with emptyDir volumes go
	// (--delete-emptydir-data).
	DeleteEmptyDirData bool
	// GracePeriodSeconds overrides every pod's grace; negative keeps the
	// pod's own (kubectl's default is -1, so is New's).
	GracePeriodSeconds int
	// Timeout bounds each node's evictions and waits, 0 for none, as
	// kubectl's --timeout does per node.
	Timeout time.Duration
	// PodSelector limits the pods drained on each node (--pod-selector).
	PodSelector string
	// DisableEviction deletes pods instead of evicting them, ignoring
	// their budgets (--disable-eviction).
	DisableEviction bool
	// SkipWaitForDeleteTimeoutSeconds stops waiting for a pod whose
	// deletionTimestamp is more than this many seconds old; 0 waits.
	SkipWaitForDeleteTimeoutSeconds int
	// ChunkSize pages the pod and node lists (kubectl's default 500).
	ChunkSize int64
	// DryRun prints (client) or asks the server (server) without change.
	DryRun DryRun
	// MaxConcurrentNodes is how many nodes drain at once (1 is kubectl's
	// one after the other).
	MaxConcurrentNodes int
	// UncordonOnFailure makes a node schedulable again when its drain
	// gives up.
	UncordonOnFailure bool
	// MinRetryDelay and MaxRetryDelay bound the back-off after a 429 that
	// names no Retry-After: the first retry waits MinRetryDelay, each next
	// one twice as long up to MaxRetryDelay, and a budget that allows a
	// disruption again ends the wait early.
	MinRetryDelay, MaxRetryDelay time.Duration
	// Clock is the time source; nil means the real clock.
	Clock clock.WithTicker
	// Observe receives every progress event, one call at a time; nil
	// discards them.
	Observe func(Event)
}

// Defaults for the fields kubectl leaves to its flags.
const (
	DefaultChunkSize          = 500
	DefaultMaxConcurrentNodes = 4
	DefaultMinRetryDelay      = time.Second
	DefaultMaxRetryDelay      = 16 * time.Second
)

// DefaultOptions are kubectl drain's defaults plus evictd's own.
func DefaultOptions() Options {
	return Options{
		GracePeriodSeconds: -1,
		ChunkSize:          DefaultChunkSize,
		DryRun:             DryRunNone,
		MaxConcurrentNodes: DefaultMaxConcurrentNodes,
		MinRetryDelay:      DefaultMinRetryDelay,
		MaxRetryDelay:      DefaultMaxRetryDelay,
	}
}
