package flowcontrol

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"k8s.io/utils/clock"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	c, err := New(Options{Seats: 600})
	if err != nil {
		t.Fatal(err)
	}
	admin := User{Name: "admin", Groups: []string{GroupMasters, GroupAuthenticated}}
	tests := []struct {
		name              string
		digest            Digest
		wantSchema, level string
		wantFlow          string
	}{
		{name: "in-process components are exempt", digest: Digest{User: User{Name: ComponentsUser, Groups: []string{GroupMasters, GroupAuthenticated}}, Path: "/api/v1/pods"},
			wantSchema: "evictd-components", level: "exempt"},
		{name: "anonymous probes are exempt", digest: Digest{User: Anonymous, Path: "/readyz"},
			wantSchema: "probes", level: "exempt"},
		{name: "a probe sub-path too", digest: Digest{User: admin, Path: "/livez/ping", Connection: "127.0.0.1:1"},
			wantSchema: "probes", level: "exempt"},
		{name: "the admin, in system:masters, is not exempt: one flow per connection", digest: Digest{User: admin, Path: "/api/v1/pods", Connection: "127.0.0.1:1"},
			wantSchema: "global-default", level: "global-default", wantFlow: "global-default/admin/127.0.0.1:1"},
		{name: "another user: one flow", digest: Digest{User: User{Name: "alice", Groups: []string{GroupAuthenticated}}, Path: "/api/v1/pods", Connection: "127.0.0.1:2"},
			wantSchema: "global-default", level: "global-default", wantFlow: "global-default/alice/127.0.0.1:2"},
		{name: "anonymous elsewhere: global-default too", digest: Digest{User: Anonymous, Path: "/version", Connection: "127.0.0.1:3"},
			wantSchema: "global-default", level: "global-default", wantFlow: "global-default/system:anonymous/127.0.0.1:3"},
		{name: "no group at all: catch-all", digest: Digest{User: User{Name: "nobody"}, Path: "/version", Connection: "127.0.0.1:4"},
			wantSchema: "catch-all", level: "catch-all", wantFlow: "catch-all/nobody/127.0.0.1:4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := c.Classify(tt.digest)
			if got.FlowSchema != tt.wantSchema || got.PriorityLevel != tt.level || got.Flow != tt.wantFlow {
				t.Errorf("got schema %q level %q flow %q, want %q %q %q", got.FlowSchema, got.PriorityLevel, got.Flow, tt.wantSchema, tt.level, tt.wantFlow)
			}
			if got.FlowSchemaUID == "" || got.PriorityLevelUID == "" {
				t.Errorf("UIDs missing: %+v", got)
			}
			if got.Exempt != (tt.level == "exempt") {
				t.Errorf("exempt %v for level %s", got.Exempt, tt.level)
			}
		})
	}
}

func TestSeatsShareTheTotal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                    string
		seats, global, catchAll int
	}{
		{name: "kube-apiserver defaults 400+200", seats: 600, global: 570, catchAll: 30},
		{name: "one seat each at least", seats: 1, global: 1, catchAll: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(Options{Seats: tt.seats})
			if err != nil {
				t.Fatal(err)
			}
			if g, ca := c.Seats("global-default"), c.Seats("catch-all"); g != tt.global || ca != tt.catchAll {
				t.Errorf("seats global-default %d catch-all %d, want %d %d", g, ca, tt.global, tt.catchAll)
			}
		})
	}
	if _, err := New(Options{}); err == nil {
		t.Error("New accepted zero seats")
	}
}

func TestDealGivesDistinctStableHands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		deck, hand int
	}{
		{name: "upstream's 128 queues, hand 6", deck: 128, hand: 6},
		{name: "hand as big as the deck", deck: 4, hand: 4},
		{name: "hand bigger than the deck", deck: 2, hand: 6},
		{name: "one queue", deck: 1, hand: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for i := range 1000 {
				h := hashFlow(fmt.Sprint("flow-", i))
				hand := deal(h, tt.deck, tt.hand)
				if want := min(tt.deck, tt.hand); len(hand) != want {
					t.Fatalf("hand of %d, want %d", len(hand), want)
				}
				seen := map[int]bool{}
				for _, c := range hand {
					if c < 0 || c >= tt.deck || seen[c] {
						t.Fatalf("hand %v: card %d repeated or outside the deck of %d", hand, c, tt.deck)
					}
					seen[c] = true
				}
				if again := deal(h, tt.deck, tt.hand); fmt.Sprint(again) != fmt.Sprint(hand) {
					t.Fatalf("same flow dealt %v then %v", hand, again)
				}
			}
		})
	}
}

// testLevel is a one-level queue set for the queuing tests.
func testLevel(seats, queues, hand, length int) *queueSet {
	return newQueueSet(seats, LevelConfig{Name: "test", Shares: 1, Queues: queues, HandSize: hand, QueueLength: length})
}

type outcome struct {
	flow    string
	release func()
	err     error
}

// start runs acquire for flow in a goroutine reporting on out.
func start(ctx context.Context, qs *queueSet, flow string, wait time.Duration, out chan<- outcome) {
	go func() {
		release, err := qs.acquire(ctx, flow, realClock{}, wait)
		out <- outcome{flow: flow, release: release, err: err}
	}()
}

func TestQueueSetSeatsQueuesAndRefuses(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		qs := testLevel(1, 1, 1, 1)
		out := make(chan outcome, 4)
		first, err := qs.acquire(t.Context(), "a", realClock{}, time.Second)
		if err != nil {
			t.Fatalf("first request: %v", err)
		}
		start(t.Context(), qs, "b", time.Second, out)
		synctest.Wait()
		if _, err := qs.acquire(t.Context(), "c", realClock{}, time.Second); !errors.Is(err, ErrQueueFull) {
			t.Fatalf("third request with the one queue full: %v, want queue-full", err)
		}
		first()
		got := <-out
		if got.err != nil {
			t.Fatalf("queued request: %v", got.err)
		}
		start(t.Context(), qs, "d", time.Second, out)
		time.Sleep(time.Second + time.Millisecond)
		if got := <-out; !errors.Is(got.err, ErrTimeout) {
			t.Fatalf("request waiting past the queue wait: %v, want time-out", got.err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		start(ctx, qs, "e", time.Minute, out)
		synctest.Wait()
		cancel()
		if got := <-out; !errors.Is(got.err, ErrCancelled) {
			t.Fatalf("request whose client left: %v, want cancelled", got.err)
		}
		got.release()
		if qs.inUse != 0 || qs.waiting != 0 {
			t.Errorf("after all: %d seats in use, %d waiting", qs.inUse, qs.waiting)
		}
	})
}

func TestLevelWithoutQueuesRejects(t *testing.T) {
	t.Parallel()
	qs := newQueueSet(1, LevelConfig{Name: "catch-all", Shares: 5})
	release, err := qs.acquire(t.Context(), "a", realClock{}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := qs.acquire(t.Context(), "b", realClock{}, time.Second); !errors.Is(err, ErrConcurrencyLimit) {
		t.Fatalf("second request: %v, want concurrency-limit at once", err)
	}
	release()
	release() // twice is harmless
	if _, err := qs.acquire(t.Context(), "b", realClock{}, time.Second); err != nil {
		t.Fatalf("after the release: %v", err)
	}
}

func TestQueueSetIsFairBetweenFlows(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		// One seat, a greedy flow with 20 requests queued, then a quiet
		// flow's one request: it is seated within one round of the queues,
		// not after the greedy flow's backlog.
		qs := testLevel(1, 16, 2, 50)
		hold, err := qs.acquire(t.Context(), "greedy", realClock{}, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		out := make(chan outcome, 32)
		for range 20 {
			start(t.Context(), qs, "greedy", time.Minute, out)
		}
		synctest.Wait()
		start(t.Context(), qs, "quiet", time.Minute, out)
		synctest.Wait()
		hold()
		served := 0
		for got := range out {
			if got.err != nil {
				t.Fatal(got.err)
			}
			served++
			if got.flow == "quiet" {
				break
			}
			got.release()
		}
		// The greedy flow holds at most 2 queues (its hand), so the quiet
		// flow waits for at most 2 of its requests.
		if served > 3 {
			t.Errorf("the quiet flow was seated %dth, after the greedy flow's backlog", served)
		}
	})
}

// realClock is the real clock: inside a synctest bubble its time is the
// bubble's.
type realClock = clock.RealClock

func TestGreedyFlowsAreRefusedAQuietOneIsNot(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		// global-default's shape with 2 seats: three greedy flows send
		// 400 requests each; their hands (6 of the 128 queues each) fill
		// to 50 and the rest is refused at once. A quiet flow's hand is
		// other queues, so its one request waits for one round of the
		// non-empty queues, not for the greedy backlog of ~900.
		cfg := Levels[1]
		qs := newQueueSet(2, cfg)
		out := make(chan outcome, 1300)
		var held []func()
		refused := 0
		collect := func() (quietSeated bool) {
			synctest.Wait()
			for len(out) > 0 {
				got := <-out
				switch {
				case errors.Is(got.err, ErrQueueFull):
					refused++
				case got.err != nil:
					t.Fatalf("%s: %v", got.flow, got.err)
				default:
					held = append(held, got.release)
					quietSeated = quietSeated || got.flow == "quiet"
				}
			}
			return quietSeated
		}
		for _, flow := range []string{"greedy-a", "greedy-b", "greedy-c"} {
			for range 400 {
				start(t.Context(), qs, flow, time.Minute, out)
			}
		}
		collect()
		if most := 3*6*cfg.QueueLength + 2; 1200-refused > most {
			t.Errorf("%d greedy requests admitted, want at most %d (their queues full)", 1200-refused, most)
		}
		start(t.Context(), qs, "quiet", time.Minute, out)
		if collect() {
			t.Fatal("the quiet flow was seated with every seat taken")
		}
		dispatched := 0
		for quiet := false; !quiet; dispatched++ {
			if len(held) == 0 {
				t.Fatal("nothing left to release")
			}
			held[0]()
			held = held[1:]
			quiet = collect()
		}
		// One round: at most the greedy flows' 18 queues, then the quiet one.
		if dispatched > 3*6+1 {
			t.Errorf("the quiet flow was seated after %d dispatches, want at most one round (19)", dispatched)
		}
		for _, release := range held {
			release()
		}
	})
}
