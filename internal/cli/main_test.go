package cli

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// serveProcessEnv, set to 1, makes the test binary a command instead of
// the tests: it runs Execute with its arguments, as cmd/evictd does, and
// exits with its code. Tests re-exec the binary this way to run `evictd
// serve` as a process of its own, which they can kill -9.
const serveProcessEnv = "EVICTD_CLI_TEST_SERVE"

// TestMain installs the klog bridge before any test runs: klog's
// SetSlogLogger must not run while another goroutine logs through klog,
// and parallel tests here log through client-go (klog) while others start
// a command, whose first Execute would otherwise install the bridge then.
// Run with serveProcessEnv=1 it is the command (see there).
func TestMain(m *testing.M) {
	if os.Getenv(serveProcessEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	bridgeKlog(slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	os.Exit(m.Run())
}
