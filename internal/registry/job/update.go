package job

import (
	batchv1 "k8s.io/api/batch/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

// validateSpecUpdate is upstream's ValidateJobSpecUpdate: the selector,
// template and completion mode are fixed at creation, and so are the
// failure, success and per-index backoff policies and managedBy.
func validateSpecUpdate(spec *batchv1.JobSpec, old *batchv1.Job, path *field.Path) field.ErrorList {
	oldSpec := &old.Spec
	errs := validateCompletionsUpdate(spec, oldSpec, path.Child("completions"))
	errs = append(errs, apimachineryvalidation.ValidateImmutableField(spec.Selector, oldSpec.Selector, path.Child("selector"))...)
	errs = append(errs, validateTemplateUpdate(spec, old, path.Child("template"))...)
	for _, f := range []struct {
		name     string
		new, old any
	}{
		{"completionMode", spec.CompletionMode, oldSpec.CompletionMode},
		{"podFailurePolicy", spec.PodFailurePolicy, oldSpec.PodFailurePolicy},
		{"backoffLimitPerIndex", spec.BackoffLimitPerIndex, oldSpec.BackoffLimitPerIndex},
		{"managedBy", spec.ManagedBy, oldSpec.ManagedBy},
		{"successPolicy", spec.SuccessPolicy, oldSpec.SuccessPolicy},
	} {
		errs = append(errs, apimachineryvalidation.ValidateImmutableField(f.new, f.old, path.Child(f.name))...)
	}
	return errs
}

// validateCompletionsUpdate fixes completions, except that an Indexed Job
// may scale (ElasticIndexedJob, GA) when completions and parallelism
// change together.
func validateCompletionsUpdate(spec, old *batchv1.JobSpec, path *field.Path) field.ErrorList {
	if !isIndexed(spec) {
		return apimachineryvalidation.ValidateImmutableField(spec.Completions, old.Completions, path)
	}
	if ptr.Equal(spec.Completions, old.Completions) || spec.Completions == nil {
		return nil // nil is reported by the spec validation
	}
	if *spec.Completions != ptr.Deref(spec.Parallelism, 0) {
		return field.ErrorList{field.Invalid(path, spec.Completions, "can only be modified in tandem with spec.parallelism")}
	}
	return nil
}

// validateTemplateUpdate fixes the pod template. A Job that is suspended
// and never started may still change where its pods run (node affinity,
// node selector, tolerations, scheduling gates) and the template's labels
// and annotations, so that a queueing controller can place it.
func validateTemplateUpdate(spec *batchv1.JobSpec, old *batchv1.Job, path *field.Path) field.ErrorList {
	oldTemplate := &old.Spec.Template
	if ptr.Deref(old.Spec.Suspend, false) && old.Status.StartTime == nil {
		t := &spec.Template
		oldTemplate = oldTemplate.DeepCopy()
		switch {
		case t.Spec.Affinity == nil && oldTemplate.Spec.Affinity != nil:
			oldTemplate.Spec.Affinity.NodeAffinity = nil
			if oldTemplate.Spec.Affinity.PodAffinity == nil && oldTemplate.Spec.Affinity.PodAntiAffinity == nil {
				oldTemplate.Spec.Affinity = nil
			}
		case t.Spec.Affinity != nil && oldTemplate.Spec.Affinity == nil:
			oldTemplate.Spec.Affinity = t.Spec.Affinity.DeepCopy()
			oldTemplate.Spec.Affinity.PodAffinity, oldTemplate.Spec.Affinity.PodAntiAffinity = nil, nil
		case t.Spec.Affinity != nil:
			oldTemplate.Spec.Affinity.NodeAffinity = t.Spec.Affinity.NodeAffinity
		}
		oldTemplate.Spec.NodeSelector = t.Spec.NodeSelector
		oldTemplate.Spec.Tolerations = t.Spec.Tolerations
		oldTemplate.Spec.SchedulingGates = t.Spec.SchedulingGates
		oldTemplate.Labels, oldTemplate.Annotations = t.Labels, t.Annotations
	}
	return apimachineryvalidation.ValidateImmutableField(spec.Template, *oldTemplate, path)
}
