package scheduler

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	clocktesting "k8s.io/utils/clock/testing"
)

var t0 = time.Date(2026, time.March, 4, 10, 0, 0, 0, time.UTC)

func TestBackoffDoublesUpToTenSeconds(t *testing.T) {
	t.Parallel()
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}
	for i, w := range want {
		if got := backoffFor(i + 1); got != w {
			t.Errorf("backoffFor(%d) = %v, want %v", i+1, got, w)
		}
	}
}

// popNow pops without blocking, or returns "" when nothing is active.
func popNow(q *queue) string {
	q.mu.Lock()
	empty := q.heap.Len() == 0
	q.mu.Unlock()
	if empty {
		return ""
	}
	p, _ := q.pop()
	return p.Name
}

func TestQueue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(q *queue, clk *clocktesting.FakeClock) string // returns what pops next
		want string
	}{
		{name: "priority first, then FIFO", want: "high", run: func(q *queue, _ *clocktesting.FakeClock) string {
			q.add(pod("low"))
			prio := int32(10)
			q.add(pod("high", func(p *corev1.Pod) { p.Spec.Priority = &prio }))
			return popNow(q)
		}},
		{name: "unschedulable pod waits for an event", want: "", run: func(q *queue, clk *clocktesting.FakeClock) string {
			failOnce(q, "p", pluginUnschedulable)
			clk.Step(time.Minute)
			q.flush()
			return popNow(q)
		}},
		{name: "a helpful event after the backoff activates it", want: "p", run: func(q *queue, clk *clocktesting.FakeClock) string {
			failOnce(q, "p", pluginUnschedulable)
			clk.Step(time.Second)
			q.move(pluginsAll)
			return popNow(q)
		}},
		{name: "an event during the backoff waits for the backoff", want: "p", run: func(q *queue, clk *clocktesting.FakeClock) string {
			failOnce(q, "p", pluginResources)
			q.move(pluginResources)
			if popNow(q) != "" {
				return "popped during backoff"
			}
			clk.Step(time.Second)
			q.flush()
			return popNow(q)
		}},
		{name: "an unrelated event leaves it", want: "", run: func(q *queue, clk *clocktesting.FakeClock) string {
			failOnce(q, "p", pluginTaints)
			clk.Step(time.Second)
			q.move(pluginsFreed)
			return popNow(q)
		}},
		{name: "an event while in flight means backoff, not unschedulable", want: "p", run: func(q *queue, clk *clocktesting.FakeClock) string {
			q.add(pod("p"))
			popNow(q)
			q.move(pluginsAll)
			q.failed("uid-p", pluginTaints)
			clk.Step(time.Second)
			q.flush()
			return popNow(q)
		}},
		{name: "an unrelated event while in flight leaves it unschedulable", want: "", run: func(q *queue, clk *clocktesting.FakeClock) string {
			q.add(pod("p"))
			popNow(q)
			q.move(pluginsJoined)
			q.failed("uid-p", pluginTaints)
			clk.Step(time.Second)
			q.flush()
			return popNow(q)
		}},
		{name: "retried anyway after five minutes", want: "p", run: func(q *queue, clk *clocktesting.FakeClock) string {
			failOnce(q, "p", pluginTaints)
			clk.Step(maxUnschedulable)
			q.flush()
			return popNow(q)
		}},
		{name: "a spec change retries it", want: "p", run: func(q *queue, clk *clocktesting.FakeClock) string {
			failOnce(q, "p", pluginNodeAffinity)
			clk.Step(time.Second)
			q.update(pod("p", podLabel("a", "b")))
			return popNow(q)
		}},
		{name: "a removed pod is gone", want: "", run: func(q *queue, _ *clocktesting.FakeClock) string {
			q.add(pod("p"))
			q.remove("uid-p")
			return popNow(q)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := clocktesting.NewFakeClock(t0)
			q := newQueue(clk)
			if got := tt.run(q, clk); got != tt.want {
				t.Errorf("next pop = %q, want %q", got, tt.want)
			}
		})
	}
}

// failOnce queues pod name, pops it and files it as rejected by rejectors.
func failOnce(q *queue, name string, rejectors plugin) {
	q.add(pod(name))
	popNow(q)
	q.failed(pod(name).UID, rejectors)
}
