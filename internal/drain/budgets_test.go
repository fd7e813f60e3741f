package drain

import (
	"context"
	"testing"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

// pacing is a budgets over a fake clientset holding one PDB "ns/web".
type pacing struct {
	client *fake.Clientset
	b      *budgets
}

func newPacing(t *testing.T, pdb *policyv1.PodDisruptionBudget) *pacing {
	t.Helper()
	client := fake.NewClientset(pdb)
	factory := informers.NewSharedInformerFactory(client, 0)
	b, err := newBudgets(factory)
	if err != nil {
		t.Fatal(err)
	}
	stop := startFactory(t.Context(), factory)
	t.Cleanup(stop)
	if !waitSynced(t.Context(), b.synced) {
		t.Fatal("budget informer did not sync")
	}
	return &pacing{client: client, b: b}
}

func budget(rv string, generation, observed int64, allowed int32) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", ResourceVersion: rv, Generation: generation},
		Status:     policyv1.PodDisruptionBudgetStatus{ObservedGeneration: observed, DisruptionsAllowed: allowed},
	}
}

// update writes the PDB's new status and waits until the cache has it.
func (p *pacing) update(t *testing.T, pdb *policyv1.PodDisruptionBudget) {
	t.Helper()
	changed := p.b.waitChange()
	if _, err := p.client.PolicyV1().PodDisruptionBudgets("ns").UpdateStatus(t.Context(), pdb, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatal("the cache did not see the update")
	}
}

// take is a token being taken in the background: got yields it, blocked
// ticks each time the budget refuses it (the wait starts or goes on).
type take struct {
	got     chan *token
	blocked chan struct{}
}

func (p *pacing) takeAsync(ctx context.Context) *take {
	tk := &take{got: make(chan *token, 1), blocked: make(chan struct{}, 64)} // never block the taker
	go func() {
		tok, err := p.b.take(ctx, "ns/web", func(*policyv1.PodDisruptionBudget) {
			select {
			case tk.blocked <- struct{}{}:
			default:
			}
		})
		if err != nil {
			tok = nil
		}
		tk.got <- tok
	}()
	return tk
}

// settle forgets the refusals seen so far.
func (tk *take) settle() {
	for {
		select {
		case <-tk.blocked:
		default:
			return
		}
	}
}

// wantBlocked waits until the budget refused the take (again), and checks
// that no token came.
func wantBlocked(t *testing.T, tk *take, what string) {
	t.Helper()
	select {
	case <-tk.blocked:
	case tok := <-tk.got:
		t.Fatalf("%s: got %v, want a wait", what, tok)
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: neither refused nor handed out", what)
	}
	select {
	case <-tk.got:
		t.Fatalf("%s: a token was handed out", what)
	default:
	}
}

func wantToken(t *testing.T, tk *take, what string) *token {
	t.Helper()
	select {
	case tok := <-tk.got:
		if tok == nil {
			t.Fatalf("%s: no token", what)
		}
		return tok
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: still blocked", what)
	}
	return nil
}

// TestBudgetsPaceOneAtATime: a budget allowing one disruption hands out
// one token; the next waits until the status reflects the eviction and
// allows another; a refused eviction gives its token back at once.
func TestBudgetsPaceOneAtATime(t *testing.T) {
	t.Parallel()
	p := newPacing(t, budget("1", 1, 1, 1))
	first := wantToken(t, p.takeAsync(t.Context()), "first")
	second := p.takeAsync(t.Context())
	wantBlocked(t, second, "while the first eviction is in flight")

	p.b.give(first, false) // refused: the budget was not spent
	again := wantToken(t, second, "after a refusal")

	p.b.give(again, true) // accepted at rv 1: it counts until the status moves on
	third := p.takeAsync(t.Context())
	wantBlocked(t, third, "while the status does not reflect the accepted eviction")
	third.settle()
	p.update(t, budget("2", 1, 1, 0)) // reflects it: nothing allowed
	wantBlocked(t, third, "while the budget allows nothing")
	p.update(t, budget("3", 1, 1, 1)) // the replacement is healthy
	wantToken(t, third, "once the status allows one again")
}

// TestBudgetsWaitForProcessing: a budget whose spec the controller has not
// processed (observedGeneration behind) allows nothing, whatever its
// status says, until it is processed.
func TestBudgetsWaitForProcessing(t *testing.T) {
	t.Parallel()
	p := newPacing(t, budget("1", 2, 1, 3))
	got := p.takeAsync(t.Context())
	wantBlocked(t, got, "stale budget")
	got.settle()
	p.update(t, budget("2", 2, 1, 3))
	wantBlocked(t, got, "still stale")
	p.update(t, budget("3", 2, 2, 1))
	wantToken(t, got, "processed")
}

// TestBudgetsGoneAndCancelled: a budget that disappears lets the pod go
// without a token (the server then has no budget to check); a cancelled
// wait returns.
func TestBudgetsGoneAndCancelled(t *testing.T) {
	t.Parallel()
	p := newPacing(t, budget("1", 1, 1, 0))
	ctx, cancel := context.WithCancel(t.Context())
	cancelled := p.takeAsync(ctx)
	cancel()
	select {
	case tok := <-cancelled.got:
		if tok != nil {
			t.Fatal("a cancelled wait got a token")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled wait did not return")
	}

	got := p.takeAsync(t.Context())
	wantBlocked(t, got, "nothing allowed")
	changed := p.b.waitChange()
	if err := p.client.PolicyV1().PodDisruptionBudgets("ns").Delete(t.Context(), "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	<-changed
	select {
	case tok := <-got.got:
		if tok != nil {
			t.Fatal("a deleted budget handed out a token")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still waiting for a deleted budget")
	}
}
