package replicationcontroller

import (
	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry/workload"
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
	errs := workload.ValidateSelectorMatches(labels.SelectorFromSet(selector), t, path)
	return append(errs, workload.ValidateTemplate(t, "ReplicationController", path)...)
}

// validateStatus is upstream's ValidateReplicationControllerStatus.
func validateStatus(s *corev1.ReplicationControllerStatus) field.ErrorList {
	return workload.ValidateReplicaCounts(workload.ReplicaCounts{
		Replicas:             s.Replicas,
		FullyLabeledReplicas: s.FullyLabeledReplicas,
		ReadyReplicas:        s.ReadyReplicas,
		AvailableReplicas:    s.AvailableReplicas,
		ObservedGeneration:   s.ObservedGeneration,
	}, statusPath)
}

func nonNegative(v int32, path *field.Path) field.ErrorList {
	return apimachineryvalidation.ValidateNonnegativeField(int64(v), path)
}
