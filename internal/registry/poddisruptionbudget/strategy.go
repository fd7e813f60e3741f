package poddisruptionbudget

import (
	"context"

	policyv1 "k8s.io/api/policy/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/evictd/evictd/internal/registry"
)

// strategy holds the rules of the main resource (upstream's
// podDisruptionBudgetStrategy). PUT may not create.
type strategy struct{ registry.DefaultStrategy }

// Default has no v1 defaults to apply (policy/v1 has no defaulting
// functions); it only drops the v1beta1 compatibility expression from
// selectors that were not written as one of its two exact forms, as the
// v1→internal conversion does on every v1 write.
func (strategy) Default(obj runtime.Object) {
	stripDeprecatedSelectorKey(obj.(*policyv1.PodDisruptionBudget).Spec.Selector)
}

// PrepareForCreate wipes any status sent and starts generation at 1.
func (strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	pdb := obj.(*policyv1.PodDisruptionBudget)
	pdb.Status = policyv1.PodDisruptionBudgetStatus{}
	pdb.Generation = 1
}

// Validate checks a new budget.
func (strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validateSpec(&obj.(*policyv1.PodDisruptionBudget).Spec, false)
}

// PrepareForUpdate keeps the stored status and bumps generation on any
// semantic spec change: the disruption controller compares
// status.observedGeneration with it, and evictions wait until it catches up.
func (strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	pdb, oldPDB := obj.(*policyv1.PodDisruptionBudget), old.(*policyv1.PodDisruptionBudget)
	pdb.Status = oldPDB.Status
	if !apiequality.Semantic.DeepEqual(pdb.Spec, oldPDB.Spec) {
		pdb.Generation = oldPDB.Generation + 1
	}
}

// ValidateUpdate checks the new spec; the whole spec is mutable. A selector
// stored with label values that are invalid today may keep them.
func (strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	allowInvalid := hasInvalidLabelValue(old.(*policyv1.PodDisruptionBudget).Spec.Selector)
	return validateSpec(&obj.(*policyv1.PodDisruptionBudget).Spec, allowInvalid)
}

// AllowUnconditionalUpdate is false: a PUT must carry a resourceVersion.
func (strategy) AllowUnconditionalUpdate() bool { return false }

// statusStrategy serves poddisruptionbudgets/status: it takes status and
// keeps spec (and so generation, which the store carries over).
type statusStrategy struct{ registry.DefaultStrategy }

// PrepareForUpdate keeps the stored spec.
func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*policyv1.PodDisruptionBudget).Spec = old.(*policyv1.PodDisruptionBudget).Spec
}

// ValidateUpdate checks the status with the rules of v1 requests.
func (statusStrategy) ValidateUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	return validateStatus(&obj.(*policyv1.PodDisruptionBudget).Status)
}

// AllowUnconditionalUpdate is false: status writers (the disruption
// controller, the eviction handler) must name the version they read.
func (statusStrategy) AllowUnconditionalUpdate() bool { return false }
