package job

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The labels a generated selector puts on a Job's pods: the prefixed ones,
// and the unprefixed ones kept for clients of older releases.
const (
	legacyJobNameLabel       = "job-name"
	legacyControllerUIDLabel = "controller-uid"
)

var templateMetaPath = field.NewPath("spec", "template", "metadata")

// generateSelector is upstream's generateSelector: unless the client asked
// for a manual selector, the template gets job-name and controller-uid
// labels (both forms; labels the client set are kept, and validation
// rejects them if they conflict), and the selector matches the uid.
func generateSelector(job *batchv1.Job) {
	if job.Spec.ManualSelector != nil && *job.Spec.ManualSelector {
		return
	}
	if job.Spec.Template.Labels == nil {
		job.Spec.Template.Labels = map[string]string{}
	}
	for key, value := range map[string]string{
		legacyJobNameLabel:         job.Name,
		batchv1.JobNameLabel:       job.Name,
		legacyControllerUIDLabel:   string(job.UID),
		batchv1.ControllerUidLabel: string(job.UID),
	} {
		if _, ok := job.Spec.Template.Labels[key]; !ok {
			job.Spec.Template.Labels[key] = value
		}
	}
	if job.Spec.Selector == nil {
		job.Spec.Selector = &metav1.LabelSelector{}
	}
	if job.Spec.Selector.MatchLabels == nil {
		job.Spec.Selector.MatchLabels = map[string]string{}
	}
	if _, ok := job.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel]; !ok {
		job.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel] = string(job.UID)
	}
}

// validateGeneratedSelector is upstream's validateGeneratedSelector: a
// generated selector must select exactly this Job's pods. prefixed also
// requires the batch.kubernetes.io labels (always on create; on update
// only if the stored Job had them, for Jobs created before they existed).
func validateGeneratedSelector(job *batchv1.Job, prefixed bool) field.ErrorList {
	if (job.Spec.ManualSelector != nil && *job.Spec.ManualSelector) || job.Spec.Selector == nil {
		return nil
	}
	var errs field.ErrorList
	if job.UID == "" {
		errs = append(errs, field.Required(field.NewPath("metadata", "uid"), ""))
	}
	expected := map[string]string{legacyControllerUIDLabel: string(job.UID), legacyJobNameLabel: job.Name}
	if prefixed {
		expected[batchv1.ControllerUidLabel] = string(job.UID)
		expected[batchv1.JobNameLabel] = job.Name
	}
	for _, key := range []string{legacyControllerUIDLabel, legacyJobNameLabel, batchv1.ControllerUidLabel, batchv1.JobNameLabel} {
		if want, ok := expected[key]; ok {
			errs = append(errs, validateHasLabel(job.Spec.Template.Labels, key, want)...)
		}
	}
	if sel, err := metav1.LabelSelectorAsSelector(job.Spec.Selector); err == nil && !sel.Matches(labels.Set(expected)) {
		errs = append(errs, field.Invalid(field.NewPath("spec", "selector"), job.Spec.Selector, "`selector` not auto-generated"))
	}
	return errs
}

// validateHasLabel is upstream's ValidateHasLabel on the template metadata.
func validateHasLabel(l map[string]string, key, want string) field.ErrorList {
	path := templateMetaPath.Child("labels").Key(key)
	got, ok := l[key]
	switch {
	case !ok:
		return field.ErrorList{field.Required(path, key)}
	case got != want:
		return field.ErrorList{field.Invalid(path, l, fmt.Sprintf("must be '%s'", want))}
	}
	return nil
}
