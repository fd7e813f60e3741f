package eviction

import (
	"context"
	"fmt"
	"net/http"
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

func TestLanesSerializePerKeyAndLeaveNothingBehind(t *testing.T) {
	t.Parallel()
	l := newLanes()
	const perKey = 200
	keys := []string{"default/a", "default/b", "other/a"}
	inside := map[string]*atomic.Int32{}
	for _, k := range keys {
		inside[k] = &atomic.Int32{}
	}
	var overlaps, crossKey atomic.Int32
	var any atomic.Int32
	var wg sync.WaitGroup
	for i := range perKey * len(keys) {
		key := keys[i%len(keys)]
		wg.Go(func() {
			release, err := l.acquire(context.Background(), key)
			if err != nil {
				t.Error(err)
				return
			}
			if inside[key].Add(1) != 1 {
				overlaps.Add(1)
			}
			if any.Add(1) > 1 {
				crossKey.Add(1)
			}
			time.Sleep(time.Microsecond)
			any.Add(-1)
			inside[key].Add(-1)
			release()
		})
	}
	wg.Wait()
	if overlaps.Load() != 0 {
		t.Errorf("%d times two holders shared one key's lane", overlaps.Load())
	}
	if crossKey.Load() == 0 {
		t.Log("different keys never overlapped (possible on a loaded machine, not an error)")
	}
	if n := l.size(); n != 0 {
		t.Errorf("%d lanes left after every holder released", n)
	}
}

func TestLaneWaiterGivesUpWithItsRequest(t *testing.T) {
	t.Parallel()
	l := newLanes()
	release, err := l.acquire(context.Background(), "default/pdb")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := l.acquire(ctx, "default/pdb")
		done <- err
	}()
	cancel()
	err = <-done
	if !apierrors.IsTimeout(err) {
		t.Fatalf("waiter got %v, want a 504 Timeout", err)
	}
	release()
	if n := l.size(); n != 0 {
		t.Errorf("%d lanes left", n)
	}
	// The lane is free again for a new request.
	release, err = l.acquire(context.Background(), "default/pdb")
	if err != nil {
		t.Fatal(err)
	}
	release()
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
