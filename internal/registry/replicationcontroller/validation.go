package replicationcontroller

import (
	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry/pod"
)

// The validation is upstream's ValidateReplicationControllerSpec and
// ValidateReplicationControllerStatus, with their paths and messages.
// Left out: the check that GCE persistent disks are read-only when there
// is more than one replica (evictd serves no in-tree cloud volumes).

var (
	specPath   = field.NewPath("spec")
	statusPath = field.NewPath("status")
)

// validateSpec checks a defaulted spec.
func validateSpec(spec *corev1.ReplicationControllerSpec) field.ErrorList {
	errs := nonNegative(spec.MinReadySeconds, specPath.Child("minReadySeconds"))
	if len(spec.Selector) == 0 {
		errs = append(errs, field.Required(specPath.Child("selector"), ""))
	}
	errs = append(errs, nonNegative(ptr.Deref(spec.Replicas, 0), specPath.Child("replicas"))...)
	return append(errs, validateTemplate(spec.Template, spec.Selector, specPath.Child("template"))...)
}

// validateTemplate is upstream's ValidatePodTemplateSpecForRC: the template
// is required, the selector (when set) must select its pods, which must
// restart Always and run without a deadline.
func validateTemplate(t *corev1.PodTemplateSpec, selector map[string]string, path *field.Path) field.ErrorList {
	if t == nil {
		return field.ErrorList{field.Required(path, "")}
	}
	var errs field.ErrorList
	if len(selector) > 0 && !labels.SelectorFromSet(selector).Matches(labels.Set(t.Labels)) {
		errs = append(errs, field.Invalid(path.Child("metadata", "labels"), t.Labels, "`selector` does not match template `labels`"))
	}
	// Upstream reports template label and annotation errors under
	// spec.template.labels and spec.template.annotations (no metadata).
	errs = append(errs, metav1validation.ValidateLabels(t.Labels, path.Child("labels"))...)
	errs = append(errs, apimachineryvalidation.ValidateAnnotations(t.Annotations, path.Child("annotations"))...)
	errs = append(errs, pod.ValidatePodSpec(&t.Spec, path.Child("spec"))...)
	if t.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(path.Child("spec", "restartPolicy"), t.Spec.RestartPolicy, []corev1.RestartPolicy{corev1.RestartPolicyAlways}))
	}
	if t.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Forbidden(path.Child("spec", "activeDeadlineSeconds"), "activeDeadlineSeconds in ReplicationController is not Supported"))
	}
	return errs
}

// validateStatus is upstream's ValidateReplicationControllerStatus.
func validateStatus(s *corev1.ReplicationControllerStatus) field.ErrorList {
	var errs field.ErrorList
	for _, c := range []struct {
		name  string
		value int64
	}{
		{"replicas", int64(s.Replicas)},
		{"fullyLabeledReplicas", int64(s.FullyLabeledReplicas)},
		{"readyReplicas", int64(s.ReadyReplicas)},
		{"availableReplicas", int64(s.AvailableReplicas)},
		{"observedGeneration", s.ObservedGeneration},
	} {
		errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(c.value, statusPath.Child(c.name))...)
	}
	const msg = "cannot be greater than status.replicas"
	if s.FullyLabeledReplicas > s.Replicas {
		errs = append(errs, field.Invalid(statusPath.Child("fullyLabeledReplicas"), s.FullyLabeledReplicas, msg))
	}
	if s.ReadyReplicas > s.Replicas {
		errs = append(errs, field.Invalid(statusPath.Child("readyReplicas"), s.ReadyReplicas, msg))
	}
	if s.AvailableReplicas > s.Replicas {
		errs = append(errs, field.Invalid(statusPath.Child("availableReplicas"), s.AvailableReplicas, msg))
	}
	if s.AvailableReplicas > s.ReadyReplicas {
		errs = append(errs, field.Invalid(statusPath.Child("availableReplicas"), s.AvailableReplicas, "cannot be greater than readyReplicas"))
	}
	return errs
}

func nonNegative(v int32, path *field.Path) field.ErrorList {
	return apimachineryvalidation.ValidateNonnegativeField(int64(v), path)
}
