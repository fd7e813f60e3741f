package expectations

import (
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestSatisfiedExpectations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// steps acts on the expectations of key "ns/rs" and may step clk.
		steps func(e *Expectations, clk *clocktesting.FakeClock)
		want  bool
	}{
		{name: "no record is satisfied", steps: func(*Expectations, *clocktesting.FakeClock) {}, want: true},
		{name: "pending creations are not", steps: func(e *Expectations, _ *clocktesting.FakeClock) {
			e.ExpectCreations("ns/rs", 2)
			e.CreationObserved("ns/rs")
		}, want: false},
		{name: "every creation observed", steps: func(e *Expectations, _ *clocktesting.FakeClock) {
			e.ExpectCreations("ns/rs", 2)
			e.CreationObserved("ns/rs")
			e.CreationObserved("ns/rs")
		}, want: true},
		{name: "pending deletions are not", steps: func(e *Expectations, _ *clocktesting.FakeClock) {
			e.ExpectDeletions("ns/rs", 1)
		}, want: false},
		{name: "more observed than expected", steps: func(e *Expectations, _ *clocktesting.FakeClock) {
			e.ExpectDeletions("ns/rs", 1)
			e.LowerExpectations("ns/rs", 0, 3)
		}, want: true},
		{name: "raised after fulfilled", steps: func(e *Expectations, _ *clocktesting.FakeClock) {
			e.SetExpectations("ns/rs", 0, 0)
			e.RaiseExpectations("ns/rs", 1, 0)
		}, want: false},
		{name: "pending at exactly the timeout", steps: func(e *Expectations, clk *clocktesting.FakeClock) {
			e.ExpectCreations("ns/rs", 1)
			clk.Step(Timeout)
		}, want: false},
		{name: "pending but expired", steps: func(e *Expectations, clk *clocktesting.FakeClock) {
			e.ExpectCreations("ns/rs", 1)
			clk.Step(Timeout + time.Nanosecond)
		}, want: true},
		{name: "lowering does not refresh the timestamp", steps: func(e *Expectations, clk *clocktesting.FakeClock) {
			e.ExpectCreations("ns/rs", 3)
			clk.Step(Timeout)
			e.CreationObserved("ns/rs")
			clk.Step(time.Second)
		}, want: true},
		{name: "deleted record is satisfied", steps: func(e *Expectations, _ *clocktesting.FakeClock) {
			e.ExpectCreations("ns/rs", 1)
			e.DeleteExpectations("ns/rs")
		}, want: true},
		{name: "other keys do not matter", steps: func(e *Expectations, _ *clocktesting.FakeClock) {
			e.ExpectCreations("ns/other", 1)
		}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := clocktesting.NewFakeClock(t0)
			e := New(fake)
			tt.steps(e, fake)
			if got := e.SatisfiedExpectations("ns/rs"); got != tt.want {
				add, del, ok := e.Get("ns/rs")
				t.Errorf("SatisfiedExpectations = %v, want %v (add %d del %d exists %v)", got, tt.want, add, del, ok)
			}
		})
	}
}

func TestGet(t *testing.T) {
	t.Parallel()
	e := New(clocktesting.NewFakeClock(t0))
	if _, _, ok := e.Get("ns/rs"); ok {
		t.Fatal("Get found a record that was never set")
	}
	e.SetExpectations("ns/rs", 3, 2)
	e.CreationObserved("ns/rs")
	e.DeletionObserved("ns/rs")
	if add, del, ok := e.Get("ns/rs"); !ok || add != 2 || del != 1 {
		t.Errorf("Get = %d, %d, %v; want 2, 1, true", add, del, ok)
	}
	// Observations for a key without a record create none.
	e.CreationObserved("ns/none")
	if _, _, ok := e.Get("ns/none"); ok {
		t.Error("CreationObserved created a record")
	}
}
