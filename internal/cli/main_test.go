package cli

import (
	"io"
	"log/slog"
	"os"
	"testing"
)

// TestMain installs the klog bridge before any test runs: klog's
// SetSlogLogger must not run while another goroutine logs through klog,
// and parallel tests here log through client-go (klog) while others start
// a command, whose first Execute would otherwise install the bridge then.
func TestMain(m *testing.M) {
	bridgeKlog(slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	os.Exit(m.Run())
}
