package poddisruptionbudget

import (
	"slices"
	"strconv"

	policyv1 "k8s.io/api/policy/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The validation is upstream's ValidatePodDisruptionBudgetSpec and
// ValidatePodDisruptionBudgetStatusUpdate (for v1 requests), with their
// paths and messages. Object metadata is checked by the store.

var (
	specPath   = field.NewPath("spec")
	statusPath = field.NewPath("status")
)

// evictionPolicies are the supported spec.unhealthyPodEvictionPolicy
// values, sorted as upstream lists them in its message.
var evictionPolicies = []policyv1.UnhealthyPodEvictionPolicyType{policyv1.AlwaysAllow, policyv1.IfHealthyBudget}

// validateSpec checks a budget's spec. allowInvalidLabelValue tolerates
// selector label values that fail today's syntax (for stored objects).
func validateSpec(spec *policyv1.PodDisruptionBudgetSpec, allowInvalidLabelValue bool) field.ErrorList {
	var errs field.ErrorList
	if spec.MinAvailable != nil && spec.MaxUnavailable != nil {
		errs = append(errs, field.Invalid(specPath, *spec, "minAvailable and maxUnavailable cannot be both set"))
	}
	if spec.MinAvailable != nil {
		errs = append(errs, validateIntOrPercent(*spec.MinAvailable, specPath.Child("minAvailable"))...)
	}
	if spec.MaxUnavailable != nil {
		errs = append(errs, validateIntOrPercent(*spec.MaxUnavailable, specPath.Child("maxUnavailable"))...)
	}
	opts := metav1validation.LabelSelectorValidationOptions{AllowInvalidLabelValueInSelector: allowInvalidLabelValue}
	errs = append(errs, metav1validation.ValidateLabelSelector(spec.Selector, opts, specPath.Child("selector"))...)
	if p := spec.UnhealthyPodEvictionPolicy; p != nil && !slices.Contains(evictionPolicies, *p) {
		errs = append(errs, field.NotSupported(specPath.Child("unhealthyPodEvictionPolicy"), *p, evictionPolicies))
	}
	return errs
}

// validateStatus checks a status write: the conditions, and counters that
// may not be negative (a negative disruptionsAllowed once stored through
// v1beta1 is why the eviction handler answers 403 for it).
func validateStatus(status *policyv1.PodDisruptionBudgetStatus) field.ErrorList {
	errs := metav1validation.ValidateConditions(status.Conditions, statusPath.Child("conditions"))
	for _, c := range []struct {
		name  string
		value int32
	}{
		{"disruptionsAllowed", status.DisruptionsAllowed},
		{"currentHealthy", status.CurrentHealthy},
		{"desiredHealthy", status.DesiredHealthy},
		{"expectedPods", status.ExpectedPods},
	} {
		errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(int64(c.value), statusPath.Child(c.name))...)
	}
	return errs
}

// validateIntOrPercent is upstream's ValidatePositiveIntOrPercent followed
// by IsNotMoreThan100Percent: a non-negative integer, or a percentage of at
// most 100%.
func validateIntOrPercent(v intstr.IntOrString, path *field.Path) field.ErrorList {
	if v.Type == intstr.Int {
		return apimachineryvalidation.ValidateNonnegativeField(int64(v.IntValue()), path)
	}
	var errs field.ErrorList
	for _, msg := range validation.IsValidPercent(v.StrVal) {
		errs = append(errs, field.Invalid(path, v, msg))
	}
	if len(errs) > 0 {
		return errs
	}
	if n, _ := strconv.Atoi(v.StrVal[:len(v.StrVal)-1]); n > 100 {
		errs = append(errs, field.Invalid(path, v, "must not be greater than 100%"))
	}
	return errs
}

// hasInvalidLabelValue reports whether a stored selector fails today's
// label value syntax, which updates may then keep.
func hasInvalidLabelValue(sel *metav1.LabelSelector) bool {
	opts := metav1validation.LabelSelectorValidationOptions{}
	return len(metav1validation.ValidateLabelSelector(sel, opts, nil)) > 0
}
