package poddisruptionbudget

import (
	"testing"
	"time"

	"github.com/evictd/evictd/internal/registry/registrytest"

	policyv1 "k8s.io/api/policy/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// storedStatus is a status the disruption controller wrote.
var storedStatus = policyv1.PodDisruptionBudgetStatus{
	ObservedGeneration: 3, DisruptionsAllowed: 1, CurrentHealthy: 3, DesiredHealthy: 2, ExpectedPods: 3,
}

func TestResource(t *testing.T) {
	t.Parallel()
	a, b := Resource(), Resource()
	if a == b || !a.Namespaced || a.ShortNames[0] != "pdb" || len(a.Categories) != 0 || a.StatusStrategy == nil || a.Scale != nil {
		t.Errorf("unexpected resource %+v", a)
	}
	if a.GroupVersionKind().String() != "policy/v1, Kind=PodDisruptionBudget" || a.Plural != "poddisruptionbudgets" {
		t.Errorf("unexpected kind %v %s", a.GroupVersionKind(), a.Plural)
	}
	if a.Strategy.AllowUnconditionalUpdate() || a.StatusStrategy.AllowUnconditionalUpdate() {
		t.Error("PUT without resourceVersion must be refused for the resource and its status")
	}
	if a.Strategy.AllowCreateOnUpdate() || a.StatusStrategy.AllowCreateOnUpdate() {
		t.Error("PUT must not create")
	}
}

func TestPrepareForCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status policyv1.PodDisruptionBudgetStatus
	}{
		{name: "no status"},
		{name: "client status is wiped", status: storedStatus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Resource().Strategy
			pdb := newPDB()
			pdb.Generation = 7
			pdb.Status = tt.status
			want := pdb.Spec.DeepCopy()
			s.Default(pdb)
			s.PrepareForCreate(t.Context(), pdb)
			if !apiequality.Semantic.DeepEqual(pdb.Status, policyv1.PodDisruptionBudgetStatus{}) || pdb.Generation != 1 {
				t.Errorf("generation %d status %+v, want 1 and empty", pdb.Generation, pdb.Status)
			}
			if !apiequality.Semantic.DeepEqual(&pdb.Spec, want) {
				t.Errorf("spec changed to %+v: there are no policy/v1 defaults", pdb.Spec)
			}
		})
	}
}

func TestPrepareForUpdate(t *testing.T) {
	t.Parallel()
	old := newPDB()
	old.Generation = 3
	old.Status = storedStatus
	tests := []struct {
		name       string
		mutate     func(*policyv1.PodDisruptionBudget)
		generation int64
	}{
		{name: "no change", mutate: func(*policyv1.PodDisruptionBudget) {}, generation: 3},
		{name: "labels only", mutate: func(p *policyv1.PodDisruptionBudget) { p.Labels = map[string]string{"team": "a"} }, generation: 3},
		{name: "status ignored", mutate: func(p *policyv1.PodDisruptionBudget) { p.Status.DisruptionsAllowed = 9 }, generation: 3},
		{name: "empty expression list is no change", mutate: func(p *policyv1.PodDisruptionBudget) {
			p.Spec.Selector.MatchExpressions = []metav1.LabelSelectorRequirement{}
		}, generation: 3},
		{name: "min available", mutate: func(p *policyv1.PodDisruptionBudget) { p.Spec.MinAvailable = ptr.To(intstr.FromInt32(2)) }, generation: 4},
		{name: "selector", mutate: func(p *policyv1.PodDisruptionBudget) { p.Spec.Selector.MatchLabels["tier"] = "db" }, generation: 4},
		{name: "eviction policy", mutate: func(p *policyv1.PodDisruptionBudget) {
			p.Spec.UnhealthyPodEvictionPolicy = ptr.To(policyv1.AlwaysAllow)
		}, generation: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Resource().Strategy
			pdb := old.DeepCopy()
			tt.mutate(pdb)
			s.Default(pdb)
			s.PrepareForUpdate(t.Context(), pdb, old)
			if pdb.Generation != tt.generation {
				t.Errorf("generation = %d, want %d", pdb.Generation, tt.generation)
			}
			if !apiequality.Semantic.DeepEqual(pdb.Status, old.Status) {
				t.Errorf("status = %+v, want the stored one", pdb.Status)
			}
		})
	}
}

func TestStatusUpdate(t *testing.T) {
	t.Parallel()
	now := metav1.NewTime(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	allowed := metav1.Condition{Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionTrue, Reason: policyv1.SufficientPodsReason, LastTransitionTime: now}
	tests := []struct {
		name   string
		status policyv1.PodDisruptionBudgetStatus
		want   []string
	}{
		{name: "controller status", status: policyv1.PodDisruptionBudgetStatus{
			ObservedGeneration: 1, DisruptionsAllowed: 1, CurrentHealthy: 3, DesiredHealthy: 2, ExpectedPods: 3,
			DisruptedPods: map[string]metav1.Time{"web-1": now}, Conditions: []metav1.Condition{allowed},
		}},
		{name: "negative counters", status: policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: -1, CurrentHealthy: -2, DesiredHealthy: -3, ExpectedPods: -4}, want: []string{
			"status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0",
			"status.currentHealthy: Invalid value: -2: must be greater than or equal to 0",
			"status.desiredHealthy: Invalid value: -3: must be greater than or equal to 0",
			"status.expectedPods: Invalid value: -4: must be greater than or equal to 0",
		}},
		{name: "condition without reason", status: policyv1.PodDisruptionBudgetStatus{Conditions: []metav1.Condition{
			{Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionFalse, LastTransitionTime: now},
		}}, want: []string{"status.conditions[0].reason: Required value"}},
		{name: "duplicate condition", status: policyv1.PodDisruptionBudgetStatus{Conditions: []metav1.Condition{allowed, allowed}},
			want: []string{`status.conditions[1]: Duplicate value: "DisruptionAllowed"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Resource().StatusStrategy
			old := newPDB()
			old.Generation = 2
			pdb := old.DeepCopy()
			pdb.Spec.MinAvailable = ptr.To(intstr.FromInt32(5))
			pdb.Status = tt.status
			s.Default(pdb)
			s.PrepareForUpdate(t.Context(), pdb, old)
			if !apiequality.Semantic.DeepEqual(pdb.Spec, old.Spec) || pdb.Generation != 2 {
				t.Errorf("status update changed spec or generation: %+v, %d", pdb.Spec, pdb.Generation)
			}
			registrytest.CheckErrors(t, s.ValidateUpdate(t.Context(), pdb, old), tt.want...)
		})
	}
}
