package eviction

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// TestEachDecisionIsLoggedAtInfo: every eviction says at INFO which pod,
// which budget, the code and the reason; before, nothing was logged at
// the default level.
func TestEachDecisionIsLoggedAtInfo(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		pdb   *pdbState
		pod   podState
		wants []string
	}{
		{"allowed by a budget", &pdbState{allowed: 1, current: 2, desired: 1}, running,
			[]string{"pod=default/p", "pdb=web", "code=201", "reason=Evicted"}},
		{"refused by a budget", &pdbState{allowed: 0, current: 1, desired: 1}, running,
			[]string{"pod=default/p", "pdb=web", "code=429", "reason=TooManyRequests", `message="Cannot evict pod as it would violate the pod's disruption budget."`}},
		{"no budget", nil, running, []string{"pod=default/p", `pdb=""`, "code=201"}},
		{"pending pod bypasses the budget", &pdbState{allowed: 0}, pending, []string{`pdb=""`, "code=201"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			var logs bytes.Buffer
			e.ev.log = slog.New(slog.NewTextHandler(&logs, nil))
			e.makePod(t, "p", tc.pod)
			if tc.pdb != nil {
				e.makePDB(t, "web", *tc.pdb)
			}
			_ = e.evict("p", nil)
			line := logs.String()
			if !strings.HasPrefix(line[strings.Index(line, "level="):], "level=INFO msg=eviction") || strings.Count(line, "\n") != 1 {
				t.Fatalf("log = %q, want one INFO eviction line", line)
			}
			for _, w := range tc.wants {
				if !strings.Contains(line, w) {
					t.Errorf("log %q lacks %s", line, w)
				}
			}
		})
	}
}
