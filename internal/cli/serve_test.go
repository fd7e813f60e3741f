package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeSaysObjectsAreLostOnRestart: with the memory store every object
// is gone after a restart; --help and the start-up lines say so plainly
// (before, they spoke only of certificates kept in --data-dir).
func TestServeSaysObjectsAreLostOnRestart(t *testing.T) {
	t.Parallel()
	var help, helpErr syncBuffer
	if code := Execute(t.Context(), []string{"serve", "--help"}, &help, &helpErr); code != 0 {
		t.Fatalf("serve --help: exit %d: %s", code, helpErr.String())
	}
	if !strings.Contains(help.String(), "is lost when serve stops") {
		t.Errorf("serve --help does not say objects are lost on restart:\n%s", help.String())
	}

	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Execute(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"),
			"--kubeconfig-out", filepath.Join(dir, "kubeconfig"), "--nodes", "0", "--controllers", "false"}, &stdout, &stderr)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stdout.String(), "evictd is serving") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exited %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "every object is lost when evictd stops") {
		t.Errorf("start-up line does not say objects are lost:\n%s", stdout.String())
	}
	if !strings.Contains(stderr.String(), `msg=serving`) || !strings.Contains(stderr.String(), "every object is lost") {
		t.Errorf("serving log line does not say objects are lost:\n%s", stderr.String())
	}
}
