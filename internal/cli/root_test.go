package cli

import (
	"strings"
	"testing"
)

// TestCommandsUnderEitherName: the root command offers drain, explain and
// plan, and as the kubectl plugin its usage lines read "kubectl evictd …",
// as kubectl's plugin convention expects.
func TestCommandsUnderEitherName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, wantUsage string }{
		{"evictd", "evictd drain NODE..."},
		{"kubectl evictd", "kubectl evictd drain NODE..."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr syncBuffer
			if code := ExecuteAs(t.Context(), tc.name, []string{"drain", "--help"}, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.wantUsage) {
				t.Errorf("drain --help as %q does not show %q:\n%s", tc.name, tc.wantUsage, stdout.String())
			}
			for _, sub := range []string{"explain", "plan"} {
				var out syncBuffer
				if code := ExecuteAs(t.Context(), tc.name, []string{sub, "--help"}, &out, &stderr); code != 0 {
					t.Errorf("%s --help: exit %d: %s", sub, code, stderr.String())
				}
			}
		})
	}
}
