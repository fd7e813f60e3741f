package drain

import (
	"context"
	"fmt"
	"slices"
	"sync"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	policylisters "k8s.io/client-go/listers/policy/v1"
	"k8s.io/client-go/tools/cache"
)

// budgets paces evictions by PodDisruptionBudget for every node drained
// at once: a pod a budget covers is only evicted while the budget's status
// (from a watch) allows one more disruption than the evictions this drain
// already made and the status does not reflect yet. So the pods of one
// budget go one after the other as the budget allows, rather than all
// asking at once and being refused 429 over and over, as kubectl's
// goroutine per pod with a fixed 5 s retry does.
type budgets struct {
	lister policylisters.PodDisruptionBudgetLister
	synced cache.InformerSynced

	mu sync.Mutex
	// changed is closed and replaced whenever a budget changes or a token
	// is given back: the waiters' wake-up call. Guarded by mu.
	changed chan struct{}
	// taken holds, per budget key, the outstanding tokens. A token counts
	// against the budget while its eviction is in flight, then, once
	// accepted, until the budget's cached resourceVersion moves past the
	// one seen at acceptance: the server decrements disruptionsAllowed in
	// the same write that records the eviction, so a later status
	// reflects it. (Seen the other way round — the status change arriving
	// before the 201 — the token holds until the next change: a little
	// slower, never a 429.)
	taken map[string][]*token
}

// newBudgets starts a PodDisruptionBudget informer for all namespaces on
// factory; the factory's owner starts and stops it.
func newBudgets(factory informers.SharedInformerFactory) (*budgets, error) {
	inf := factory.Policy().V1().PodDisruptionBudgets()
	b := &budgets{lister: inf.Lister(), synced: inf.Informer().HasSynced, changed: make(chan struct{}), taken: map[string][]*token{}}
	_, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { b.wake() },
		UpdateFunc: func(any, any) { b.wake() },
		DeleteFunc: func(any) { b.wake() },
	})
	if err != nil {
		return nil, fmt.Errorf("watch PodDisruptionBudgets: %w", err)
	}
	return b, nil
}

func (b *budgets) wake() {
	b.mu.Lock()
	defer b.mu.Unlock()
	close(b.changed)
	b.changed = make(chan struct{})
}

// covering returns the budgets whose selector matches pod, as the
// eviction handler picks them (a nil or empty selector matches nothing).
func (b *budgets) covering(pod *corev1.Pod) []*policyv1.PodDisruptionBudget {
	all, err := b.lister.PodDisruptionBudgets(pod.Namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	var out []*policyv1.PodDisruptionBudget
	for _, pdb := range all {
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(pod.Labels)) {
			continue
		}
		out = append(out, pdb)
	}
	return out
}

// token is one disruption taken from a budget: rv is empty while its
// eviction is in flight, then the budget's resourceVersion when accepted.
type token struct {
	key, rv string
}

// take waits until the budget key allows one more disruption, then takes
// it. While it waits it calls blocked with the budget as cached, once per
// change. A budget that disappeared gives a zero token at once.
func (b *budgets) take(ctx context.Context, key string, blocked func(*policyv1.PodDisruptionBudget)) (*token, error) {
	for {
		b.mu.Lock()
		changed := b.changed
		pdb, ok := b.get(key)
		if !ok {
			b.mu.Unlock()
			return nil, nil
		}
		if b.available(key, pdb) > 0 {
			t := &token{key: key}
			b.taken[key] = append(b.taken[key], t)
			b.mu.Unlock()
			return t, nil
		}
		b.mu.Unlock()
		blocked(pdb)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-changed:
		}
	}
}

// give settles a token: accepted keeps it until the budget's status
// reflects the eviction, otherwise it is returned at once.
func (b *budgets) give(t *token, accepted bool) {
	if t == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if accepted {
		t.rv = "accepted"
		if pdb, ok := b.get(t.key); ok {
			t.rv = pdb.ResourceVersion
		}
		return
	}
	b.taken[t.key] = slices.DeleteFunc(b.taken[t.key], func(o *token) bool { return o == t })
	close(b.changed)
	b.changed = make(chan struct{})
}

// get reads a budget from the cache. Caller must hold b.mu.
func (b *budgets) get(key string) (*policyv1.PodDisruptionBudget, bool) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil, false
	}
	pdb, err := b.lister.PodDisruptionBudgets(ns).Get(name)
	return pdb, err == nil
}

// available is how many more disruptions pdb allows this drain: none
// while the disruption controller has not processed its latest spec
// (the server would answer 429 Retry-After 10), else disruptionsAllowed
// less the tokens its status does not reflect yet. Caller must hold b.mu.
func (b *budgets) available(key string, pdb *policyv1.PodDisruptionBudget) int32 {
	if pdb.Status.ObservedGeneration < pdb.Generation {
		return 0
	}
	b.taken[key] = slices.DeleteFunc(b.taken[key], func(t *token) bool {
		return t.rv != "" && t.rv != pdb.ResourceVersion
	})
	return pdb.Status.DisruptionsAllowed - int32(len(b.taken[key]))
}

// waitChange returns a channel closed at the next budget change.
func (b *budgets) waitChange() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.changed
}
