package bench

import (
	"log/slog"
	"os"
	"testing"

	"k8s.io/klog/v2"
)

// TestMain silences klog: client-go's event broadcaster reports through it
// every event still queued when a benchmark's server stops, which would
// bury the results.
func TestMain(m *testing.M) {
	klog.SetSlogLogger(slog.New(slog.DiscardHandler))
	os.Exit(m.Run())
}
