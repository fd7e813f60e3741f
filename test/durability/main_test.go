package durability

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"k8s.io/klog/v2"

	"github.com/evictd/evictd/internal/cli"
)

// serveEnv, set to "1" in a child's environment, makes the test binary
// run evictd's command line (its arguments) instead of the tests, as
// cmd/evictd's main does.
const serveEnv = "EVICTD_DURABILITY_SERVE"

// TestMain is evictd's main in a child started with serveEnv; otherwise it
// silences klog, through which client-go's reflectors report every watch
// the kill breaks (expected here, and noise), and runs the tests.
func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	klog.SetSlogLogger(slog.New(slog.DiscardHandler))
	os.Exit(m.Run())
}
