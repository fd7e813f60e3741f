package eviction

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestTerminalPodLeavesTheBudgetAlone mirrors upstream's
// TestTerminalPodEviction: a Succeeded pod is evicted without reading or
// writing its budget.
func TestTerminalPodLeavesTheBudgetAlone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.makePod(t, "p", finished)
	pdb := e.makePDB(t, "foo", pdbState{current: 1, desired: 1})
	if err := e.evict("p", nil); err != nil {
		t.Fatal(err)
	}
	if e.getPod(t, "p") != nil {
		t.Error("terminal pod still exists")
	}
	after := e.getPDB(t, "foo")
	if after.ResourceVersion != pdb.ResourceVersion || after.Status.ObservedGeneration != pdb.Status.ObservedGeneration {
		t.Errorf("budget changed: rv %s → %s", pdb.ResourceVersion, after.ResourceVersion)
	}
}

// TestEvictingADeletingPodCanShortenItsGrace: an eviction of a pod already
// being deleted with grace 30 that asks for grace 5 moves the deadline
// closer, as a second DELETE would.
func TestEvictingADeletingPodCanShortenItsGrace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.makePod(t, "p", running)
	if err := e.evict("p", nil); err != nil { // no budget: graceful, 30s
		t.Fatal(err)
	}
	first := e.getPod(t, "p")
	if first.DeletionTimestamp == nil || !first.DeletionTimestamp.Time.Equal(epoch.Add(30*time.Second)) {
		t.Fatalf("first eviction: deletionTimestamp %v, want %v", first.DeletionTimestamp, epoch.Add(30*time.Second))
	}
	e.clock.Step(2 * time.Second)
	five := int64(5)
	if err := e.evict("p", &metav1.DeleteOptions{GracePeriodSeconds: &five}); err != nil {
		t.Fatal(err)
	}
	second := e.getPod(t, "p")
	if !second.DeletionTimestamp.Time.Equal(epoch.Add(5*time.Second)) || *second.DeletionGracePeriodSeconds != 5 {
		t.Errorf("after a grace-5 eviction: deletionTimestamp %v grace %d, want %v and 5",
			second.DeletionTimestamp, *second.DeletionGracePeriodSeconds, epoch.Add(5*time.Second))
	}
}

// TestInvalidDeleteOptionsStillConsumeTheBudget reproduces the upstream
// quirk: deleteOptions are validated only by the delete, after the budget
// was decremented and the condition written.
func TestInvalidDeleteOptionsStillConsumeTheBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.makePod(t, "p", running)
	e.makePDB(t, "foo", pdbState{allowed: 1, current: 1})
	bad := metav1.DeletionPropagation("Sideways")
	err := e.ev.Evict(context.Background(), &Request{Namespace: "default", Name: "p", Options: &metav1.DeleteOptions{PropagationPolicy: &bad}})
	if st := toStatus(t, err); st.Code != 422 {
		t.Fatalf("got %d %s, want 422", st.Code, st.Message)
	}
	if pdb := e.getPDB(t, "foo"); pdb.Status.DisruptionsAllowed != 0 {
		t.Errorf("disruptionsAllowed %d, want 0 (consumed)", pdb.Status.DisruptionsAllowed)
	}
	if p := e.getPod(t, "p"); p == nil || !hasDisruptionTarget(p) || p.DeletionTimestamp != nil {
		t.Errorf("pod after a failed delete: %+v", p)
	}
}
