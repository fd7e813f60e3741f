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
			bridgeKlog(slog.New(slog.NewTextHandler(&syncBuffer{}, nil)), 0)
			klog.Info("concurrent")
			klog.Background().WithValues("k", "v").Info("derived")
		})
	}
	wg.Wait()

	var latest syncBuffer
	bridgeKlog(slog.New(slog.NewTextHandler(&latest, nil)), 0)
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

// TestKlogVerbosityIsReadable: klog's V(n) lines are shown as DEBUG with
// v=n when n is within -v, never as "DEBUG+3", and hidden beyond it. Not
// parallel: it switches the process-wide klog destination.
func TestKlogVerbosityIsReadable(t *testing.T) {
	for _, tc := range []struct {
		name      string
		verbosity int
		want      []string
		hidden    []string
	}{
		{"default", 0, []string{"level=INFO msg=zero"}, []string{"one", "two", "three"}},
		{"-v", 1, []string{"level=INFO msg=zero", "level=DEBUG msg=one v=1"}, []string{"two", "three", "DEBUG+"}},
		{"-v=2", 2, []string{"level=DEBUG msg=one v=1", "level=DEBUG msg=two v=2"}, []string{"three", "DEBUG+"}},
		{"-v=5", 5, []string{"level=DEBUG msg=three v=5"}, []string{"DEBUG+", "DEBUG-"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out syncBuffer
			bridgeKlog(newLogger(&out, tc.verbosity), tc.verbosity)
			log := klog.Background()
			log.Info("zero")
			log.V(1).Info("one")
			log.V(2).Info("two")
			log.V(5).Info("three")
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			for _, h := range tc.hidden {
				if strings.Contains(out.String(), h) {
					t.Errorf("output has %q:\n%s", h, out.String())
				}
			}
		})
	}
}
