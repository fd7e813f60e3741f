package drain_test

import (
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"

	"github.com/evictd/evictd/internal/drain"
)

// TestDrainTimeoutFollowsTheClock: --timeout is measured on the drain's
// clock, like its back-offs, so a drain on a fake (or accelerated) clock
// times out when that clock says so, not after real minutes.
func TestDrainTimeoutFollowsTheClock(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	c.createPod(t, "db-1", "node-1", replicated, labeled("app", "db"))
	c.waitRunning(t, "db-1")
	c.createBudget(t, "db", minAvailable(1), 0)

	clock := clocktesting.NewFakeClock(time.Now())
	blocked := make(chan struct{}, 1)
	ev := &events{}
	opts := drain.DefaultOptions()
	opts.Clock = clock
	opts.Timeout = 10 * time.Minute
	opts.Observe = func(e drain.Event) {
		ev.observe(e)
		if e.Type == drain.PodBlocked {
			select {
			case blocked <- struct{}{}:
			default:
			}
		}
	}
	done := make(chan *drain.Report, 1)
	go func() { done <- drain.New(c.client, opts).Run(t.Context(), []string{"node-1"}) }()
	select {
	case <-blocked:
	case <-time.After(30 * time.Second):
		t.Fatal("the drain never reported the pod blocked by its budget")
	}
	select {
	case r := <-done:
		t.Fatalf("the drain ended before its clock reached the timeout: %v", r.Err())
	default:
	}
	clock.Step(11 * time.Minute)
	select {
	case r := <-done:
		if got := exitCode(r.Err()); got != drain.ExitBlocked {
			t.Fatalf("exit code %d (%v), want %d", got, r.Err(), drain.ExitBlocked)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the drain did not time out when its clock passed --timeout")
	}
}
