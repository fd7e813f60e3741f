package daemonset

import (
	appsv1 "k8s.io/api/apps/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry/workload"
)

// The validation is upstream's ValidateDaemonSetSpec and
// ValidateDaemonSetStatusUpdate, with their paths and messages.

var (
	specPath   = field.NewPath("spec")
	statusPath = field.NewPath("status")
)

// validateSpec checks a defaulted spec. Unlike the other workloads, a
// missing selector is reported only as not matching the template.
func validateSpec(spec *appsv1.DaemonSetSpec) field.ErrorList {
	errs := metav1validation.ValidateLabelSelector(spec.Selector, metav1validation.LabelSelectorValidationOptions{}, specPath.Child("selector"))
	if selector, err := metav1.LabelSelectorAsSelector(spec.Selector); err == nil {
		errs = append(errs, workload.ValidateSelectorMatches(selector, &spec.Template, specPath.Child("template"))...)
	}
	if sel := spec.Selector; sel != nil && len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		errs = append(errs, field.Invalid(specPath.Child("selector"), sel, "empty selector is invalid for daemonset"))
	}
	// Upstream's ValidatePodTemplateSpec plus the DaemonSet rules.
	errs = append(errs, workload.ValidateTemplate(&spec.Template, "DaemonSet", specPath.Child("template"))...)
	errs = append(errs, nonNegative(spec.MinReadySeconds, specPath.Child("minReadySeconds"))...)
	errs = append(errs, validateUpdateStrategy(&spec.UpdateStrategy, specPath.Child("updateStrategy"))...)
	if limit := spec.RevisionHistoryLimit; limit != nil {
		errs = append(errs, nonNegative(*limit, specPath.Child("revisionHistoryLimit"))...)
	}
	return errs
}

var strategyTypes = []appsv1.DaemonSetUpdateStrategyType{appsv1.RollingUpdateDaemonSetStrategyType, appsv1.OnDeleteDaemonSetStrategyType}

// validateUpdateStrategy is upstream's ValidateDaemonSetUpdateStrategy.
func validateUpdateStrategy(s *appsv1.DaemonSetUpdateStrategy, path *field.Path) field.ErrorList {
	switch s.Type {
	case appsv1.OnDeleteDaemonSetStrategyType:
		return nil
	case appsv1.RollingUpdateDaemonSetStrategyType:
		if s.RollingUpdate == nil {
			return field.ErrorList{field.Required(path.Child("rollingUpdate"), "")}
		}
		return validateRollingUpdate(s.RollingUpdate, path.Child("rollingUpdate"))
	}
	return field.ErrorList{field.NotSupported(path, s, strategyTypes)}
}

// validateRollingUpdate is upstream's ValidateRollingUpdateDaemonSet:
// exactly one of maxUnavailable and maxSurge is non-zero (a node's pod is
// either replaced in place or surged, never both). Unset values count as 0.
func validateRollingUpdate(ru *appsv1.RollingUpdateDaemonSet, path *field.Path) field.ErrorList {
	maxUnavailable := ptr.Deref(ru.MaxUnavailable, intstr.IntOrString{})
	maxSurge := ptr.Deref(ru.MaxSurge, intstr.IntOrString{})
	errs := workload.ValidateIntOrPercent(maxUnavailable, path.Child("maxUnavailable"))
	errs = append(errs, workload.ValidateIntOrPercent(maxSurge, path.Child("maxSurge"))...)
	errs = append(errs, workload.ValidateNotOver100Percent(maxUnavailable, path.Child("maxUnavailable"))...)
	errs = append(errs, workload.ValidateNotOver100Percent(maxSurge, path.Child("maxSurge"))...)
	hasUnavailable, hasSurge := workload.IntOrPercentValue(maxUnavailable) != 0, workload.IntOrPercentValue(maxSurge) != 0
	switch {
	case hasUnavailable && hasSurge:
		errs = append(errs, field.Invalid(path.Child("maxSurge"), maxSurge, "may not be set when maxUnavailable is non-zero"))
	case !hasUnavailable && !hasSurge:
		errs = append(errs, field.Required(path.Child("maxUnavailable"), "cannot be 0 when maxSurge is 0"))
	}
	return errs
}

// validateStatus is upstream's validateDaemonSetStatus plus the update
// rule that collisionCount never goes down.
func validateStatus(s, old *appsv1.DaemonSetStatus) field.ErrorList {
	var errs field.ErrorList
	for _, c := range []struct {
		name  string
		value int64
	}{
		{"currentNumberScheduled", int64(s.CurrentNumberScheduled)},
		{"numberMisscheduled", int64(s.NumberMisscheduled)},
		{"desiredNumberScheduled", int64(s.DesiredNumberScheduled)},
		{"numberReady", int64(s.NumberReady)},
		{"observedGeneration", s.ObservedGeneration},
		{"updatedNumberScheduled", int64(s.UpdatedNumberScheduled)},
		{"numberAvailable", int64(s.NumberAvailable)},
		{"numberUnavailable", int64(s.NumberUnavailable)},
	} {
		errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(c.value, statusPath.Child(c.name))...)
	}
	if s.CollisionCount != nil {
		errs = append(errs, nonNegative(*s.CollisionCount, statusPath.Child("collisionCount"))...)
	}
	if old.CollisionCount != nil && (s.CollisionCount == nil || *s.CollisionCount < *old.CollisionCount) {
		errs = append(errs, field.Invalid(statusPath.Child("collisionCount"), ptr.Deref(s.CollisionCount, 0), "cannot be decremented"))
	}
	return errs
}

func nonNegative(v int32, path *field.Path) field.ErrorList {
	return apimachineryvalidation.ValidateNonnegativeField(int64(v), path)
}
