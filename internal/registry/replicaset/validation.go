package replicaset

import (
	appsv1 "k8s.io/api/apps/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry/workload"
)

// The validation is upstream's ValidateReplicaSetSpec and
// ValidateReplicaSetStatus, with their paths and messages (including the
// empty-selector message that names deployments: ReplicaSets share it).

var (
	specPath   = field.NewPath("spec")
	statusPath = field.NewPath("status")
)

// validateSpec checks a defaulted spec.
func validateSpec(spec *appsv1.ReplicaSetSpec) field.ErrorList {
	errs := apimachineryvalidation.ValidateNonnegativeField(int64(ptr.Deref(spec.Replicas, 0)), specPath.Child("replicas"))
	errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(int64(spec.MinReadySeconds), specPath.Child("minReadySeconds"))...)
	// Upstream's empty-selector message names deployments: ReplicaSets share it.
	errs = append(errs, workload.ValidateSelector(spec.Selector, "deployment", specPath.Child("selector"))...)
	selector, err := metav1.LabelSelectorAsSelector(spec.Selector)
	if err != nil {
		return append(errs, field.Invalid(specPath.Child("selector"), spec.Selector, "invalid label selector"))
	}
	// Upstream's ValidatePodTemplateSpecForReplicaSet.
	templatePath := specPath.Child("template")
	errs = append(errs, workload.ValidateSelectorMatches(selector, &spec.Template, templatePath)...)
	return append(errs, workload.ValidateTemplate(&spec.Template, "ReplicaSet", templatePath)...)
}

// validateStatus is upstream's ValidateReplicaSetStatus.
func validateStatus(s *appsv1.ReplicaSetStatus) field.ErrorList {
	return workload.ValidateReplicaCounts(workload.ReplicaCounts{
		Replicas:             s.Replicas,
		FullyLabeledReplicas: s.FullyLabeledReplicas,
		ReadyReplicas:        s.ReadyReplicas,
		AvailableReplicas:    s.AvailableReplicas,
		ObservedGeneration:   s.ObservedGeneration,
	}, statusPath)
}
