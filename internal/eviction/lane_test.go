package eviction

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/evictd/evictd/internal/registry/store"
)

// TestLaneBatchesQueuedEvictions holds a budget's first write until every
// other eviction of that budget is queued: the next write then carries
// them all, writes of one budget never overlap, every eviction gets the
// answer its write set, and no lane is left.
func TestLaneBatchesQueuedEvictions(t *testing.T) {
	t.Parallel()
	l := newLanes()
	const asks = 100
	release, leaderReturned := make(chan struct{}), make(chan struct{})
	var writing, overlaps atomic.Int32
	var mu sync.Mutex
	var batches []int
	write := func(batch []*ask) error {
		if writing.Add(1) != 1 {
			overlaps.Add(1)
		}
		defer writing.Add(-1)
		mu.Lock()
		first := len(batches) == 0
		batches = append(batches, len(batch))
		mu.Unlock()
		if first {
			<-release
		} else {
			// The first eviction answered and left: it does not lead
			// the writes queued after it.
			select {
			case <-leaderReturned:
			case <-time.After(10 * time.Second):
				t.Error("the first eviction is still waiting while the second batch is written")
			}
		}
		for _, a := range batch {
			a.err = fmt.Errorf("answer for %s", a.pod)
		}
		return nil
	}
	var wg sync.WaitGroup
	answers := make([]error, asks)
	wg.Go(func() {
		answers[0] = l.consume("default/pdb", &ask{pod: "p-0", manager: "m", tries: &attempts{max: 20}}, write)
		close(leaderReturned)
	})
	for !hasWritten(&mu, &batches) {
		time.Sleep(time.Millisecond)
	}
	for i := 1; i < asks; i++ {
		wg.Go(func() {
			answers[i] = l.consume("default/pdb", &ask{pod: fmt.Sprintf("p-%d", i), manager: "m", tries: &attempts{max: 20}}, write)
		})
	}
	for queued(l, "default/pdb") < asks-1 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if overlaps.Load() != 0 {
		t.Errorf("%d writes of one budget overlapped", overlaps.Load())
	}
	if len(batches) != 2 || batches[0] != 1 || batches[1] != asks-1 {
		t.Errorf("batches %v, want [1 %d]", batches, asks-1)
	}
	for i, err := range answers {
		if want := fmt.Sprintf("answer for p-%d", i); err == nil || err.Error() != want {
			t.Errorf("eviction %d answered %v, want %q", i, err, want)
		}
	}
	if n := l.size(); n != 0 {
		t.Errorf("%d lanes left", n)
	}
}

func hasWritten(mu *sync.Mutex, batches *[]int) bool {
	mu.Lock()
	defer mu.Unlock()
	return len(*batches) > 0
}

func queued(l *lanes, key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ln := l.m[key]; ln != nil {
		return len(ln.queued)
	}
	return 0
}

// TestLaneWriteErrorAnswersTheBatch: a failed write is every carried
// eviction's answer.
func TestLaneWriteErrorAnswersTheBatch(t *testing.T) {
	t.Parallel()
	l := newLanes()
	err := l.consume("default/pdb", &ask{pod: "p", manager: "m", tries: &attempts{max: 20}}, func(batch []*ask) error {
		batch[0].err = nil
		return errPDBConflict
	})
	if err != errPDBConflict {
		t.Errorf("answer %v, want the write's error", err)
	}
}

func TestTakeBatch(t *testing.T) {
	t.Parallel()
	many := make([]string, maxBatch+5)
	for i := range many {
		many[i] = "m"
	}
	tests := []struct {
		name     string
		managers []string
		want     [][]string
	}{
		{name: "one field manager per write", managers: []string{"a", "a", "b", "a"}, want: [][]string{{"a", "a"}, {"b"}, {"a"}}},
		{name: "at most maxBatch per write", managers: many, want: [][]string{many[:maxBatch], many[maxBatch:]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ln := &lane{}
			for _, m := range tt.managers {
				ln.queued = append(ln.queued, &ask{manager: m})
			}
			var got [][]string
			for b := takeBatch(ln); len(b) > 0; b = takeBatch(ln) {
				var ms []string
				for _, a := range b {
					ms = append(ms, a.manager)
				}
				got = append(got, ms)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("batches %v, want %v", got, tt.want)
			}
		})
	}
}

// pdbSpy counts the budget updates and the calls of their update
// functions (more calls than updates: a compare-and-swap was lost), and
// can let an outside writer change the budget just before the eviction's
// write, as the disruption controller or another API server would.
type pdbSpy struct {
	*store.Store
	updates, tries atomic.Int32
	// outside, when set, runs before each call of an update function with
	// its 1-based index.
	outside func(try int32)
}

func (s *pdbSpy) Update(ctx context.Context, ns, name string, fn store.TryUpdate, opts store.UpdateOptions) (runtime.Object, bool, error) {
	s.updates.Add(1)
	return s.Store.Update(ctx, ns, name, func(cur runtime.Object) (runtime.Object, error) {
		try := s.tries.Add(1)
		if s.outside != nil {
			s.outside(try)
		}
		return fn(cur)
	}, opts)
}

// withPDBSpy rebuilds e's Evictor over a spy of its budget store.
func withPDBSpy(e *env) *pdbSpy {
	spy := &pdbSpy{Store: e.pdbs}
	e.ev = New(e.spy, spy, Options{Clock: e.clock, Backoff: wait.Backoff{Steps: 20, Duration: 500 * time.Millisecond, Factor: 1}})
	return spy
}

// TestOneBudgetManyEvictionsNoConflicts sends 1,000 concurrent evictions
// for 1,000 Ready pods under one budget that allows k: exactly k are
// evicted, every other one gets the budget 429, and no compare-and-swap
// on the budget is lost (so no eviction sleeps a back-off step).
func TestOneBudgetManyEvictionsNoConflicts(t *testing.T) {
	t.Parallel()
	const pods = 1000
	for _, k := range []int32{0, 1, 3, 50} {
		t.Run(fmt.Sprintf("k=%d", k), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			spy := withPDBSpy(e)
			for i := range pods {
				e.makePod(t, fmt.Sprintf("p-%04d", i), running)
			}
			e.makePDB(t, "pdb", pdbState{allowed: k, current: pods, desired: pods - k})
			var ok, tooMany atomic.Int32
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range pods {
				wg.Go(func() {
					<-start
					err := e.evict(fmt.Sprintf("p-%04d", i), grace0())
					switch {
					case err == nil:
						ok.Add(1)
					case apierrors.IsTooManyRequests(err):
						tooMany.Add(1)
					default:
						t.Errorf("evict p-%04d: %v", i, err)
					}
				})
			}
			close(start)
			wg.Wait()
			if ok.Load() != k || tooMany.Load() != pods-k {
				t.Fatalf("evicted %d, 429 %d; want %d, %d", ok.Load(), tooMany.Load(), k, pods-k)
			}
			t.Logf("%d budget updates for %d evictions", spy.updates.Load(), pods)
			if u, tr := spy.updates.Load(), spy.tries.Load(); tr != u {
				t.Errorf("%d budget updates tried %d times: compare-and-swaps were lost", u, tr)
			}
			if got := e.clock.Now(); !got.Equal(epoch) {
				t.Errorf("evictions slept %v of back-off", got.Sub(epoch))
			}
			pdb := e.getPDB(t, "pdb")
			if pdb.Status.DisruptionsAllowed != 0 || len(pdb.Status.DisruptedPods) != int(k) {
				t.Errorf("budget left with %d allowed and %d disrupted pods, want 0 and %d", pdb.Status.DisruptionsAllowed, len(pdb.Status.DisruptedPods), k)
			}
			if n := e.ev.lanes.size(); n != 0 {
				t.Errorf("%d lanes left", n)
			}
		})
	}
}

// TestOutsideWriterConflicts: a budget write by someone else between the
// eviction's read and its write is retried at once when it left the
// decision inputs alone, and after upstream's back-off step otherwise; 20
// lost attempts give upstream's 409.
func TestOutsideWriterConflicts(t *testing.T) {
	t.Parallel()
	setStatus := func(e *env, change func(*policyv1.PodDisruptionBudgetStatus)) {
		_, _, err := e.pdbs.Update(context.Background(), "default", "foo", func(cur runtime.Object) (runtime.Object, error) {
			p := cur.(*policyv1.PodDisruptionBudget)
			change(&p.Status)
			return p, nil
		}, store.UpdateOptions{Subresource: "status", FieldManager: "disruption-controller"})
		if err != nil {
			t.Errorf("outside write: %v", err)
		}
	}
	healthyUp := func(s *policyv1.PodDisruptionBudgetStatus) { s.CurrentHealthy++; s.DesiredHealthy++ }
	allowedUp := func(s *policyv1.PodDisruptionBudgetStatus) { s.DisruptionsAllowed++ }
	tests := []struct {
		name        string
		outside     func(e *env, try int32)
		want        want
		wantAllowed int32
		wantTries   int32
		wantSlept   time.Duration
	}{
		{name: "status write keeping the inputs: retried at once", outside: func(e *env, try int32) {
			if try == 1 {
				setStatus(e, healthyUp)
			}
		}, want: want{podGone: true}, wantAllowed: 2, wantTries: 2},
		{name: "disruptionsAllowed changed: one back-off step", outside: func(e *env, try int32) {
			if try == 1 {
				setStatus(e, allowedUp)
			}
		}, want: want{podGone: true}, wantAllowed: 3, wantTries: 3, wantSlept: 500 * time.Millisecond},
		{name: "generation observed again: one back-off step", outside: func(e *env, try int32) {
			if try == 1 {
				setStatus(e, func(s *policyv1.PodDisruptionBudgetStatus) { s.ObservedGeneration-- })
			}
		}, want: want{code: 429, message: budgetMessage, cause: "The disruption budget foo is still being processed by the server.", retryAfter: 10}, wantAllowed: 3, wantTries: 3, wantSlept: 500 * time.Millisecond},
		{name: "the budget runs out meanwhile: 429 after one back-off step", outside: func(e *env, try int32) {
			if try == 1 {
				setStatus(e, func(s *policyv1.PodDisruptionBudgetStatus) { s.DisruptionsAllowed = 0 })
			}
		}, want: want{code: 429, message: budgetMessage, cause: "The disruption budget foo needs 3 healthy pods and has 3 currently"}, wantAllowed: 0, wantTries: 3, wantSlept: 500 * time.Millisecond},
		{name: "an outside writer winning every time: 409 after 20 attempts", outside: func(e *env, try int32) {
			setStatus(e, allowedUp)
		}, want: want{code: 409, message: "the object has been modified"}, wantAllowed: 3 + 40, wantTries: 40, wantSlept: 19 * 500 * time.Millisecond},
		{name: "a writer keeping the inputs winning every time: 409 after 20 attempts, no sleep", outside: func(e *env, try int32) {
			setStatus(e, healthyUp)
		}, want: want{code: 409, message: "the object has been modified"}, wantAllowed: 3, wantTries: 21},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			spy := withPDBSpy(e)
			e.makePod(t, "p", running)
			e.makePDB(t, "foo", pdbState{allowed: 3, current: 3, desired: 3})
			spy.outside = func(try int32) { tt.outside(e, try) }
			err := e.evict("p", grace0())
			if tt.want.code == http.StatusConflict {
				if !apierrors.IsConflict(err) {
					t.Fatalf("got %v, want a 409", err)
				}
			} else {
				check(t, e, err, tt.want, "p")
			}
			spy.outside = nil
			if got := e.getPDB(t, "foo").Status.DisruptionsAllowed; got != tt.wantAllowed {
				t.Errorf("disruptionsAllowed %d, want %d", got, tt.wantAllowed)
			}
			if got := spy.tries.Load(); got != tt.wantTries {
				t.Errorf("update function called %d times, want %d", got, tt.wantTries)
			}
			if got := e.clock.Now().Sub(epoch); got != tt.wantSlept {
				t.Errorf("slept %v, want %v", got, tt.wantSlept)
			}
		})
	}
}
