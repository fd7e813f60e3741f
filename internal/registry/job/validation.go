package job

import (
	"fmt"
	"slices"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry/pod"
	"github.com/evictd/evictd/internal/registry/workload"
)

// The validation is upstream's ValidateJob and validateJobSpec with their
// paths and messages. successPolicy is checked only for its completion
// mode; its rules, and the high-completions limits of per-index backoff,
// are accepted as sent.

// maxIndexedParallelism caps an Indexed Job, which bounds the length of
// status.completedIndexes.
const maxIndexedParallelism = 100000

var (
	specPath = field.NewPath("spec")
	// jobRestartPolicies are the restart policies a Job's pods may have:
	// a Job replaces pods that fail, it never restarts them forever.
	jobRestartPolicies    = []corev1.RestartPolicy{corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever}
	completionModes       = []batchv1.CompletionMode{batchv1.NonIndexedCompletion, batchv1.IndexedCompletion}
	replacementPolicies   = []batchv1.PodReplacementPolicy{batchv1.Failed, batchv1.TerminatingOrFailed}
	failedOnlyReplacement = []batchv1.PodReplacementPolicy{batchv1.Failed}
)

// validateJob checks a defaulted Job (with its selector generated).
func validateJob(job *batchv1.Job, prefixedLabels bool) field.ErrorList {
	errs := validateGeneratedSelector(job, prefixedLabels)
	errs = append(errs, validateSpec(&job.Spec, specPath)...)
	if isIndexed(&job.Spec) && ptr.Deref(job.Spec.Completions, 0) > 0 {
		// Indexed pods are named and hostnamed <job>-<index>, which must
		// stay a DNS label for the largest index.
		host := fmt.Sprintf("%s-%d", job.Name, *job.Spec.Completions-1)
		if len(validation.IsDNS1123Label(host)) > 0 {
			errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), job.Name, "will not able to create pod with invalid DNS label: "+host))
		}
	}
	return errs
}

// validateSpec is upstream's ValidateJobSpec.
func validateSpec(spec *batchv1.JobSpec, path *field.Path) field.ErrorList {
	errs := validateCounts(spec, path)
	errs = append(errs, validateCompletionMode(spec, path)...)
	if spec.PodFailurePolicy != nil {
		errs = append(errs, validateFailurePolicy(spec, path.Child("podFailurePolicy"))...)
	}
	if spec.SuccessPolicy != nil && !isIndexed(spec) {
		errs = append(errs, field.Invalid(path.Child("successPolicy"), *spec.SuccessPolicy, "requires indexed completion mode"))
	}
	errs = append(errs, validateReplacementPolicy(spec, path.Child("podReplacementPolicy"))...)
	errs = append(errs, validateTemplate(spec, path.Child("template"))...)
	return append(errs, validateSelector(spec, path)...)
}

// validateCounts requires every count and duration to be non-negative.
func validateCounts(spec *batchv1.JobSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, f := range []struct {
		name  string
		value *int64
	}{
		{"parallelism", int32To64(spec.Parallelism)},
		{"completions", int32To64(spec.Completions)},
		{"activeDeadlineSeconds", spec.ActiveDeadlineSeconds},
		{"backoffLimit", int32To64(spec.BackoffLimit)},
		{"ttlSecondsAfterFinished", int32To64(spec.TTLSecondsAfterFinished)},
		{"backoffLimitPerIndex", int32To64(spec.BackoffLimitPerIndex)},
		{"maxFailedIndexes", int32To64(spec.MaxFailedIndexes)},
	} {
		if f.value != nil {
			errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(*f.value, path.Child(f.name))...)
		}
	}
	if spec.MaxFailedIndexes != nil && spec.BackoffLimitPerIndex == nil {
		errs = append(errs, field.Required(path.Child("backoffLimitPerIndex"), "when maxFailedIndexes is specified"))
	}
	if spec.ManagedBy != nil {
		errs = append(errs, validation.IsDomainPrefixedPath(path.Child("managedBy"), *spec.ManagedBy)...)
		if len(*spec.ManagedBy) > 63 {
			errs = append(errs, field.TooLong(path.Child("managedBy"), "", 63))
		}
	}
	return errs
}

// validateCompletionMode checks the mode and what only Indexed Jobs may use.
func validateCompletionMode(spec *batchv1.JobSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if m := spec.CompletionMode; m != nil && !slices.Contains(completionModes, *m) {
		errs = append(errs, field.NotSupported(path.Child("completionMode"), m, completionModes))
	}
	if !isIndexed(spec) {
		if spec.BackoffLimitPerIndex != nil {
			errs = append(errs, field.Invalid(path.Child("backoffLimitPerIndex"), *spec.BackoffLimitPerIndex, "requires indexed completion mode"))
		}
		if spec.MaxFailedIndexes != nil {
			errs = append(errs, field.Invalid(path.Child("maxFailedIndexes"), *spec.MaxFailedIndexes, "requires indexed completion mode"))
		}
		return errs
	}
	if spec.Completions == nil {
		errs = append(errs, field.Required(path.Child("completions"), "when completion mode is Indexed"))
	}
	if p := ptr.Deref(spec.Parallelism, 0); p > maxIndexedParallelism {
		errs = append(errs, field.Invalid(path.Child("parallelism"), p, fmt.Sprintf("must be less than or equal to %d when completion mode is Indexed", maxIndexedParallelism)))
	}
	if spec.Completions != nil && spec.MaxFailedIndexes != nil && *spec.MaxFailedIndexes > *spec.Completions {
		errs = append(errs, field.Invalid(path.Child("maxFailedIndexes"), *spec.MaxFailedIndexes, "must be less than or equal to completions"))
	}
	return errs
}

func validateReplacementPolicy(spec *batchv1.JobSpec, path *field.Path) field.ErrorList {
	p := spec.PodReplacementPolicy
	switch {
	case p == nil:
		return nil
	case spec.PodFailurePolicy != nil && *p != batchv1.Failed:
		return field.ErrorList{field.NotSupported(path, *p, failedOnlyReplacement)}
	case !slices.Contains(replacementPolicies, *p):
		return field.ErrorList{field.NotSupported(path, *p, replacementPolicies)}
	}
	return nil
}

// validateTemplate checks the pod template, whose pods must end: a Job
// counts pods that succeed or fail, so Always is refused (an empty policy
// was defaulted to Always, hence Required).
func validateTemplate(spec *batchv1.JobSpec, path *field.Path) field.ErrorList {
	errs := workload.ValidateTemplateMetadata(&spec.Template, path)
	errs = append(errs, pod.ValidatePodSpec(&spec.Template.Spec, path.Child("spec"))...)
	rp, rpPath := spec.Template.Spec.RestartPolicy, path.Child("spec", "restartPolicy")
	switch {
	case rp == corev1.RestartPolicyAlways || rp == "":
		errs = append(errs, field.Required(rpPath, fmt.Sprintf("valid values: %q, %q", corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever)))
	case !slices.Contains(jobRestartPolicies, rp):
		errs = append(errs, field.NotSupported(rpPath, rp, jobRestartPolicies))
	case spec.PodFailurePolicy != nil && rp != corev1.RestartPolicyNever:
		errs = append(errs, field.Invalid(rpPath, rp, fmt.Sprintf("only %q is supported when podFailurePolicy is specified", corev1.RestartPolicyNever)))
	}
	return errs
}

// validateSelector requires a valid selector that selects the template's
// pods, generated or manual.
func validateSelector(spec *batchv1.JobSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.Selector == nil {
		errs = append(errs, field.Required(path.Child("selector"), ""))
	} else {
		errs = append(errs, metav1validation.ValidateLabelSelector(spec.Selector, metav1validation.LabelSelectorValidationOptions{}, path.Child("selector"))...)
	}
	sel, err := metav1.LabelSelectorAsSelector(spec.Selector)
	if err == nil && !sel.Matches(labels.Set(spec.Template.Labels)) {
		errs = append(errs, field.Invalid(path.Child("template", "metadata", "labels"), spec.Template.Labels, "`selector` does not match template `labels`"))
	}
	return errs
}

func isIndexed(spec *batchv1.JobSpec) bool {
	return ptr.Deref(spec.CompletionMode, batchv1.NonIndexedCompletion) == batchv1.IndexedCompletion
}

func int32To64(v *int32) *int64 {
	if v == nil {
		return nil
	}
	return ptr.To(int64(*v))
}
