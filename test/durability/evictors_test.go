package durability

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// evictPeriod paces each eviction client: one request every 10 ms, a
// steady stream of 429s at the exhausted budget without spinning while
// the server is down.
const evictPeriod = 10 * time.Millisecond

// evictors are clients that POST evictions of the budget's pods over and
// over, before, during and after the kill and the restart, as automation
// that retries on any error would. They count what the server answered.
type evictors struct {
	client   kubernetes.Interface
	lifetime *atomic.Int32

	mu       sync.Mutex
	accepted map[string]bool // pods whose eviction was answered 2xx
	budget   int             // 429s with the budget's cause
	errors   int             // anything else: connection reset or refused, 5xx
	lastErr  error           // the latest of those, for failure messages
	// refusalTime is how long each budget 429 took to come, by server
	// lifetime.
	refusalTime map[int32][]time.Duration
	// blockedCh is closed at the first budget 429 after an accepted
	// eviction.
	blockedCh   chan struct{}
	blockedOnce sync.Once
}

func newEvictors(client kubernetes.Interface, lifetime *atomic.Int32) *evictors {
	return &evictors{client: client, lifetime: lifetime, accepted: map[string]bool{},
		refusalTime: map[int32][]time.Duration{}, blockedCh: make(chan struct{})}
}

// run evicts until ctx ends, from client i's own starting pod.
func (e *evictors) run(ctx context.Context, i int) {
	tick := time.NewTicker(evictPeriod)
	defer tick.Stop()
	for n := i; ; n++ {
		name := podName(n % budgetPods)
		start := time.Now()
		err := e.client.PolicyV1().Evictions(namespace).Evict(ctx, &policyv1.Eviction{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}})
		e.count(name, err, time.Since(start))
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (e *evictors) count(pod string, err error, took time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case err == nil:
		e.accepted[pod] = true
	case apierrors.IsTooManyRequests(err) && apierrors.HasStatusCause(err, policyv1.DisruptionBudgetCause):
		e.budget++
		l := e.lifetime.Load()
		e.refusalTime[l] = append(e.refusalTime[l], took)
		if len(e.accepted) > 0 {
			e.blockedOnce.Do(func() { close(e.blockedCh) })
		}
	default:
		e.errors++
		e.lastErr = err
	}
}

// blocked is closed once an eviction was accepted and another refused by
// the budget: the drain is mid-way, blocked, the best moment to kill.
func (e *evictors) blocked() <-chan struct{} { return e.blockedCh }

// lastError is the latest answer that was neither accepted nor refused by
// the budget.
func (e *evictors) lastError() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lastErr
}

// latencies says how long the budget's 429s took to come, in each
// lifetime: median and slowest.
func (e *evictors) latencies() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for l := int32(1); l <= 2; l++ {
		ds := slices.Clone(e.refusalTime[l])
		if len(ds) == 0 {
			continue
		}
		slices.Sort(ds)
		out = append(out, fmt.Sprintf("lifetime %d: median %v, slowest %v", l,
			ds[len(ds)/2].Round(time.Millisecond), ds[len(ds)-1].Round(time.Millisecond)))
	}
	return strings.Join(out, "; ")
}

// counts returns the pods accepted so far and the answers counted.
func (e *evictors) counts() (accepted map[string]bool, budget429, errs int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	accepted = make(map[string]bool, len(e.accepted))
	for k := range e.accepted {
		accepted[k] = true
	}
	return accepted, e.budget, e.errors
}
