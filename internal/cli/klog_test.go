package cli

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"k8s.io/klog/v2"
)

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestBridgeKlogConcurrent: Execute may run several times at once in one
// process; switching klog's destination must not race with logging (run
// under -race), and klog then writes to the latest logger, with the values
// of derived loggers.
func TestBridgeKlogConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			bridgeKlog(slog.New(slog.NewTextHandler(&syncBuffer{}, nil)))
			klog.Info("concurrent")
			klog.Background().WithValues("k", "v").Info("derived")
		})
	}
	wg.Wait()

	var latest syncBuffer
	bridgeKlog(slog.New(slog.NewTextHandler(&latest, nil)))
	klog.Background().WithValues("component", "test").Info("to the latest")
	if out := latest.String(); !strings.Contains(out, "to the latest") || !strings.Contains(out, "component=test") {
		t.Errorf("latest logger got %q, want the message with component=test", out)
	}
}

// TestExecuteConcurrent: commands run at once in one process (as the
// end-to-end tests do) each set up logging without racing on klog. The
// bad --listen makes serve fail right after its logger is built.
func TestExecuteConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			var stdout, stderr syncBuffer
			if code := Execute(t.Context(), []string{"serve", "--listen", "no-port"}, &stdout, &stderr); code != 1 {
				t.Errorf("Execute returned %d, want 1; stderr: %s", code, stderr.String())
			}
		})
		wg.Go(func() { klog.Info("logging meanwhile") })
	}
	wg.Wait()
}
