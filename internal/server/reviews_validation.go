package server

import (
	"fmt"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// unionMessage is kube-apiserver 1.37's message when a review's spec sets
// both attributes or neither (the field is spec itself, a union).
const unionMessage = "exactly one of nonResourceAttributes or resourceAttributes must be specified"

// validateSelfSubjectAccessReview is upstream's (k8s.io/apiserver
// authorization validation, 1.37): exactly one of the two attributes,
// well-formed field and label selector attributes, empty metadata.
func validateSelfSubjectAccessReview(sar *authorizationv1.SelfSubjectAccessReview) field.ErrorList {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	if (sar.Spec.ResourceAttributes == nil) == (sar.Spec.NonResourceAttributes == nil) {
		errs = append(errs, field.Invalid(spec, sar.Spec.NonResourceAttributes, unionMessage))
	}
	if ra := sar.Spec.ResourceAttributes; ra != nil {
		path := spec.Child("resourceAttributes")
		errs = append(errs, validateFieldSelector(ra.FieldSelector, path.Child("fieldSelector"))...)
		errs = append(errs, validateLabelSelector(ra.LabelSelector, path.Child("labelSelector"))...)
	}
	if !metadataEmpty(sar.ObjectMeta) {
		errs = append(errs, field.Invalid(field.NewPath("metadata"), sar.ObjectMeta, "must be empty"))
	}
	return errs
}

// validateFieldSelector checks field selector attributes: a raw selector
// or requirements, not both, not neither. Unknown operators pass, so a
// newer client's review is still answered.
func validateFieldSelector(s *authorizationv1.FieldSelectorAttributes, path *field.Path) field.ErrorList {
	if s == nil {
		return nil
	}
	errs := rawOrRequirements(s.RawSelector, len(s.Requirements), path)
	opts := metav1validation.FieldSelectorValidationOptions{AllowUnknownOperatorInRequirement: true}
	for i, req := range s.Requirements {
		errs = append(errs, metav1validation.ValidateFieldSelectorRequirement(req, opts, path.Child("requirements").Index(i))...)
	}
	return errs
}

// validateLabelSelector is validateFieldSelector for label selectors.
func validateLabelSelector(s *authorizationv1.LabelSelectorAttributes, path *field.Path) field.ErrorList {
	if s == nil {
		return nil
	}
	errs := rawOrRequirements(s.RawSelector, len(s.Requirements), path)
	opts := metav1validation.LabelSelectorValidationOptions{AllowUnknownOperatorInRequirement: true}
	for i, req := range s.Requirements {
		errs = append(errs, metav1validation.ValidateLabelSelectorRequirement(req, opts, path.Child("requirements").Index(i))...)
	}
	return errs
}

func rawOrRequirements(raw string, requirements int, path *field.Path) field.ErrorList {
	switch {
	case raw != "" && requirements > 0:
		return field.ErrorList{field.Invalid(path.Child("rawSelector"), raw, "may not specified at the same time as requirements")}
	case raw == "" && requirements == 0:
		return field.ErrorList{field.Required(path.Child("requirements"), fmt.Sprintf("when %s is specified, requirements or rawSelector is required", path))}
	}
	return nil
}
