package workload

import (
	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/evictd/evictd/internal/registry/pod"
)

// ValidateSelector requires a valid, non-empty label selector: an empty one
// would adopt every pod of the namespace. kind is the word upstream's
// message ends with ("deployment", which ReplicaSets reuse; "statefulset").
func ValidateSelector(sel *metav1.LabelSelector, kind string, path *field.Path) field.ErrorList {
	if sel == nil {
		return field.ErrorList{field.Required(path, "")}
	}
	errs := metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, path)
	if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		errs = append(errs, field.Invalid(path, sel, "empty selector is invalid for "+kind))
	}
	return errs
}

// ValidateSelectorMatches requires the selector to select the pods of the
// template at path, or the workload would never see the pods it creates.
// An empty selector is left to the selector's own validation.
func ValidateSelectorMatches(selector labels.Selector, t *corev1.PodTemplateSpec, path *field.Path) field.ErrorList {
	if selector.Empty() || selector.Matches(labels.Set(t.Labels)) {
		return nil
	}
	return field.ErrorList{field.Invalid(path.Child("metadata", "labels"), t.Labels, "`selector` does not match template `labels`")}
}

// ValidateTemplateMetadata checks the template's labels and annotations.
// Upstream reports them under <path>.labels and <path>.annotations (no
// metadata), and so does evictd.
func ValidateTemplateMetadata(t *corev1.PodTemplateSpec, path *field.Path) field.ErrorList {
	errs := metav1validation.ValidateLabels(t.Labels, path.Child("labels"))
	return append(errs, apimachineryvalidation.ValidateAnnotations(t.Annotations, path.Child("annotations"))...)
}

// ValidateTemplate checks the template's metadata, its pod spec with the
// pod package's rules, and that its pods are long-running (see
// ValidateLongRunning, whose message names kind).
func ValidateTemplate(t *corev1.PodTemplateSpec, kind string, path *field.Path) field.ErrorList {
	errs := ValidateTemplateMetadata(t, path)
	errs = append(errs, pod.ValidatePodSpec(&t.Spec, path.Child("spec"))...)
	return append(errs, ValidateLongRunning(&t.Spec, kind, path.Child("spec"))...)
}

// ValidateLongRunning requires a template's pods, whose spec is at path, to
// restart Always and to run without a deadline: a workload replaces pods
// that end, so pods meant to end would be recreated forever. kind names the
// workload in upstream's message ("ReplicaSet", which Deployments reuse).
func ValidateLongRunning(spec *corev1.PodSpec, kind string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.RestartPolicy != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(path.Child("restartPolicy"), spec.RestartPolicy, []corev1.RestartPolicy{corev1.RestartPolicyAlways}))
	}
	if spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Forbidden(path.Child("activeDeadlineSeconds"), "activeDeadlineSeconds in "+kind+" is not Supported"))
	}
	return errs
}
