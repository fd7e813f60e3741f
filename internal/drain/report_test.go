package drain

import (
	"errors"
	"testing"
)

func TestReportErrExitCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		outcomes []NodeOutcome
		want     int
	}{
		{name: "all drained", outcomes: []NodeOutcome{NodeOutcomeDrained, NodeOutcomeDrained}, want: ExitDrained},
		{name: "dry run", outcomes: []NodeOutcome{NodeOutcomeDryRun}, want: ExitDrained},
		{name: "one blocked", outcomes: []NodeOutcome{NodeOutcomeDrained, NodeOutcomeBlocked}, want: ExitBlocked},
		{name: "blocked then failed", outcomes: []NodeOutcome{NodeOutcomeBlocked, NodeOutcomeFailed}, want: ExitError},
		{name: "failed then blocked", outcomes: []NodeOutcome{NodeOutcomeFailed, NodeOutcomeBlocked}, want: ExitError},
		{name: "timed out terminating", outcomes: []NodeOutcome{NodeOutcomeTimedOut}, want: ExitError},
		{name: "not cordonable", outcomes: []NodeOutcome{NodeOutcomeNotCordonable}, want: ExitError},
	} {
		r := &Report{}
		for i, o := range tc.outcomes {
			r.Nodes = append(r.Nodes, NodeReport{Name: string(rune('a' + i)), Outcome: o, Error: "x"})
		}
		err := r.Err()
		got := ExitDrained
		var de *Error
		if errors.As(err, &de) {
			got = de.ExitCode()
		} else if err != nil {
			t.Fatalf("%s: error %v is not a *drain.Error", tc.name, err)
		}
		if got != tc.want {
			t.Errorf("%s: exit code %d, want %d (%v)", tc.name, got, tc.want, err)
		}
	}
}
