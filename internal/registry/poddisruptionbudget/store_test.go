package poddisruptionbudget_test

import (
	"testing"

	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry/poddisruptionbudget"
	"github.com/evictd/evictd/internal/registry/store"
	"github.com/evictd/evictd/internal/storage/memory"
)

// TestLifecycleThroughStore runs the budget rules inside the generic store:
// a create that sends status, a controller status write, a spec change, a
// status write that tries to change the spec and a refused invalid update.
func TestLifecycleThroughStore(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	mem := memory.New(memory.Options{})
	t.Cleanup(func() { _ = mem.Close() })
	pdbs, err := store.New(poddisruptionbudget.Resource(), mem, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	in := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromInt32(1)), Selector: &metav1.LabelSelector{}},
		Status:     policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 5},
	}
	obj, err := pdbs.Create(ctx, in, store.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pdb := obj.(*policyv1.PodDisruptionBudget); pdb.Generation != 1 || pdb.Status.DisruptionsAllowed != 0 {
		t.Fatalf("created generation %d status %+v", pdb.Generation, pdb.Status)
	}

	update := func(sub string, change func(*policyv1.PodDisruptionBudget)) (*policyv1.PodDisruptionBudget, error) {
		out, _, err := pdbs.Update(ctx, "default", "web", func(cur runtime.Object) (runtime.Object, error) {
			p := cur.(*policyv1.PodDisruptionBudget)
			change(p)
			return p, nil
		}, store.UpdateOptions{Subresource: sub})
		if err != nil {
			return nil, err
		}
		return out.(*policyv1.PodDisruptionBudget), nil
	}
	steps := []struct {
		name       string
		sub        string
		change     func(*policyv1.PodDisruptionBudget)
		generation int64
		allowed    int32
	}{
		{name: "controller status", sub: "status", change: func(p *policyv1.PodDisruptionBudget) {
			p.Status = policyv1.PodDisruptionBudgetStatus{ObservedGeneration: 1, DisruptionsAllowed: 2, CurrentHealthy: 3, DesiredHealthy: 1, ExpectedPods: 3}
		}, generation: 1, allowed: 2},
		{name: "spec change", change: func(p *policyv1.PodDisruptionBudget) {
			p.Spec.MinAvailable = ptr.To(intstr.FromInt32(2))
			p.Status.DisruptionsAllowed = 9
		}, generation: 2, allowed: 2},
		{name: "status write ignores spec", sub: "status", change: func(p *policyv1.PodDisruptionBudget) {
			p.Spec.MinAvailable = nil
			p.Status.DisruptionsAllowed = 1
		}, generation: 2, allowed: 1},
	}
	for _, step := range steps {
		pdb, err := update(step.sub, step.change)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if pdb.Generation != step.generation || pdb.Status.DisruptionsAllowed != step.allowed || pdb.Spec.MinAvailable.IntValue() != int(step.generation) {
			t.Errorf("%s: generation %d, allowed %d, spec %+v", step.name, pdb.Generation, pdb.Status.DisruptionsAllowed, pdb.Spec)
		}
	}
	_, err = update("", func(p *policyv1.PodDisruptionBudget) { p.Spec.MaxUnavailable = ptr.To(intstr.FromInt32(1)) })
	if !apierrors.IsInvalid(err) || err.Error() != `PodDisruptionBudget.policy "web" is invalid: spec: Invalid value: {"minAvailable":2,"selector":{},"maxUnavailable":1}: minAvailable and maxUnavailable cannot be both set` {
		t.Errorf("both set: got %v", err)
	}
}
