package cli

import (
	"strings"
	"testing"
)

// TestVersion: `evictd version` and `evictd --version` print evictd's
// version and the Kubernetes API version it serves; before, both were
// unknown commands or flags.
func TestVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"subcommand", []string{"version"}},
		{"flag", []string{"--version"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr syncBuffer
			if code := Execute(t.Context(), tc.args, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			out := stdout.String()
			if !strings.HasPrefix(out, "evictd ") || !strings.Contains(out, "Kubernetes API v1.") || strings.Count(out, "\n") != 1 {
				t.Errorf("printed %q, want one line: evictd VERSION (Kubernetes API v1.N.M, …)", out)
			}
		})
	}
}
