package statefulset

import (
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry/workload"
)

// The validation is upstream's ValidateStatefulSetSpec,
// ValidateStatefulSetUpdate and ValidateStatefulSetStatusUpdate, with their
// paths and messages.

var (
	specPath   = field.NewPath("spec")
	statusPath = field.NewPath("status")
)

// validateSpec checks a defaulted spec.
func validateSpec(spec *appsv1.StatefulSetSpec) field.ErrorList {
	errs := validatePodManagementPolicy(spec.PodManagementPolicy, specPath.Child("podManagementPolicy"))
	errs = append(errs, validateUpdateStrategy(&spec.UpdateStrategy, specPath.Child("updateStrategy"))...)
	errs = append(errs, validateRetentionPolicy(spec.PersistentVolumeClaimRetentionPolicy, specPath.Child("persistentVolumeClaimRetentionPolicy"))...)
	errs = append(errs, nonNegative(ptr.Deref(spec.Replicas, 0), specPath.Child("replicas"))...)
	errs = append(errs, nonNegative(spec.MinReadySeconds, specPath.Child("minReadySeconds"))...)
	if spec.Ordinals != nil {
		// Upstream names the path with one "ordinals.start" element.
		errs = append(errs, nonNegative(spec.Ordinals.Start, specPath.Child("ordinals.start"))...)
	}
	errs = append(errs, workload.ValidateSelector(spec.Selector, "statefulset", specPath.Child("selector"))...)
	if selector, err := metav1.LabelSelectorAsSelector(spec.Selector); err != nil {
		errs = append(errs, field.Invalid(specPath.Child("selector"), spec.Selector, ""))
	} else {
		errs = append(errs, validateTemplate(&spec.Template, selector, specPath.Child("template"))...)
	}
	return append(errs, workload.ValidateLongRunning(&spec.Template.Spec, "StatefulSet", specPath.Child("template", "spec"))...)
}

func validatePodManagementPolicy(p appsv1.PodManagementPolicyType, path *field.Path) field.ErrorList {
	switch p {
	case "":
		return field.ErrorList{field.Required(path, "")}
	case appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement:
		return nil
	}
	return field.ErrorList{field.Invalid(path, p, fmt.Sprintf("must be '%s' or '%s'", appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement))}
}

func validateUpdateStrategy(s *appsv1.StatefulSetUpdateStrategy, path *field.Path) field.ErrorList {
	switch s.Type {
	case "":
		return field.ErrorList{field.Required(path, "")}
	case appsv1.OnDeleteStatefulSetStrategyType:
		if s.RollingUpdate != nil {
			return field.ErrorList{field.Invalid(path.Child("rollingUpdate"), s.RollingUpdate,
				fmt.Sprintf("only allowed for updateStrategy '%s'", appsv1.RollingUpdateStatefulSetStrategyType))}
		}
		return nil
	case appsv1.RollingUpdateStatefulSetStrategyType:
		if s.RollingUpdate != nil {
			return validateRollingUpdate(s.RollingUpdate, path.Child("rollingUpdate"))
		}
		return nil
	}
	return field.ErrorList{field.Invalid(path, s, fmt.Sprintf("must be '%s' or '%s'",
		appsv1.RollingUpdateStatefulSetStrategyType, appsv1.OnDeleteStatefulSetStrategyType))}
}

// validateRollingUpdate checks the partition and, when set, maxUnavailable,
// which may not be 0: the rollout would never progress.
func validateRollingUpdate(ru *appsv1.RollingUpdateStatefulSetStrategy, path *field.Path) field.ErrorList {
	errs := nonNegative(ptr.Deref(ru.Partition, 0), path.Child("partition"))
	if ru.MaxUnavailable == nil {
		return errs
	}
	v, p := *ru.MaxUnavailable, path.Child("maxUnavailable")
	errs = append(errs, workload.ValidateIntOrPercent(v, p)...)
	if workload.IntOrPercentValue(v) == 0 {
		errs = append(errs, field.Invalid(p, v, "cannot be 0"))
	}
	return append(errs, workload.ValidateNotOver100Percent(v, p)...)
}

var retentionPolicies = []appsv1.PersistentVolumeClaimRetentionPolicyType{
	appsv1.RetainPersistentVolumeClaimRetentionPolicyType, appsv1.DeletePersistentVolumeClaimRetentionPolicyType,
}

func validateRetentionPolicy(p *appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy, path *field.Path) field.ErrorList {
	if p == nil {
		return nil
	}
	var errs field.ErrorList
	for _, f := range []struct {
		name  string
		value appsv1.PersistentVolumeClaimRetentionPolicyType
	}{{"whenDeleted", p.WhenDeleted}, {"whenScaled", p.WhenScaled}} {
		if !slices.Contains(retentionPolicies, f.value) {
			errs = append(errs, field.NotSupported(path.Child(f.name), f.value, retentionPolicies))
		}
	}
	return errs
}

// validateTemplate is upstream's ValidatePodTemplateSpecForStatefulSet. It
// deliberately leaves the pod spec unchecked, as upstream does (a TODO
// there since the volume claim templates supply volumes the spec's mounts
// refer to); the pods the controller creates are validated as pods.
func validateTemplate(t *corev1.PodTemplateSpec, selector labels.Selector, path *field.Path) field.ErrorList {
	errs := workload.ValidateSelectorMatches(selector, t, path)
	return append(errs, workload.ValidateTemplateMetadata(t, path)...)
}

// validateSpecUpdate forbids changes outside the fields upstream lets an
// update touch.
func validateSpecUpdate(spec, old *appsv1.StatefulSetSpec) field.ErrorList {
	rest := spec.DeepCopy()
	rest.Replicas = old.Replicas
	rest.Ordinals = old.Ordinals
	rest.Template = old.Template
	rest.UpdateStrategy = old.UpdateStrategy
	rest.PersistentVolumeClaimRetentionPolicy = old.PersistentVolumeClaimRetentionPolicy
	rest.MinReadySeconds = old.MinReadySeconds
	if apiequality.Semantic.DeepEqual(rest, old) {
		return nil
	}
	return field.ErrorList{field.Forbidden(specPath, "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")}
}

// validateStatus is upstream's ValidateStatefulSetStatus plus the update
// rule that collisionCount never goes down.
func validateStatus(s, old *appsv1.StatefulSetStatus) field.ErrorList {
	var errs field.ErrorList
	for _, c := range []struct {
		name  string
		value int32
	}{
		{"replicas", s.Replicas},
		{"readyReplicas", s.ReadyReplicas},
		{"currentReplicas", s.CurrentReplicas},
		{"updatedReplicas", s.UpdatedReplicas},
		{"availableReplicas", s.AvailableReplicas},
	} {
		errs = append(errs, nonNegative(c.value, statusPath.Child(c.name))...)
	}
	errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(s.ObservedGeneration, statusPath.Child("observedGeneration"))...)
	if s.CollisionCount != nil {
		errs = append(errs, nonNegative(*s.CollisionCount, statusPath.Child("collisionCount"))...)
	}
	const msg = "cannot be greater than status.replicas"
	for _, c := range []struct {
		name  string
		value int32
	}{
		{"readyReplicas", s.ReadyReplicas},
		{"currentReplicas", s.CurrentReplicas},
		{"updatedReplicas", s.UpdatedReplicas},
		{"availableReplicas", s.AvailableReplicas},
	} {
		if c.value > s.Replicas {
			errs = append(errs, field.Invalid(statusPath.Child(c.name), c.value, msg))
		}
	}
	if s.AvailableReplicas > s.ReadyReplicas {
		errs = append(errs, field.Invalid(statusPath.Child("availableReplicas"), s.AvailableReplicas, "cannot be greater than status.readyReplicas"))
	}
	if old.CollisionCount != nil && (s.CollisionCount == nil || *s.CollisionCount < *old.CollisionCount) {
		errs = append(errs, field.Invalid(statusPath.Child("collisionCount"), ptr.Deref(s.CollisionCount, 0), "cannot be decremented"))
	}
	return errs
}

func nonNegative(v int32, path *field.Path) field.ErrorList {
	return apimachineryvalidation.ValidateNonnegativeField(int64(v), path)
}
