package deployment

import (
	appsv1 "k8s.io/api/apps/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry/workload"
)

// The validation is upstream's ValidateDeploymentSpec and
// ValidateDeploymentStatusUpdate, with their paths and messages.

var (
	specPath   = field.NewPath("spec")
	statusPath = field.NewPath("status")
)

// validateSpec checks a defaulted spec.
func validateSpec(spec *appsv1.DeploymentSpec) field.ErrorList {
	errs := nonNegative(ptr.Deref(spec.Replicas, 0), specPath.Child("replicas"))
	errs = append(errs, workload.ValidateSelector(spec.Selector, "deployment", specPath.Child("selector"))...)
	if selector, err := metav1.LabelSelectorAsSelector(spec.Selector); err != nil {
		errs = append(errs, field.Invalid(specPath.Child("selector"), spec.Selector, "invalid label selector"))
	} else {
		// Upstream's ValidatePodTemplateSpecForReplicaSet, which Deployments
		// share with ReplicaSets (messages included).
		templatePath := specPath.Child("template")
		errs = append(errs, workload.ValidateSelectorMatches(selector, &spec.Template, templatePath)...)
		errs = append(errs, workload.ValidateTemplate(&spec.Template, "ReplicaSet", templatePath)...)
	}
	errs = append(errs, validateStrategy(&spec.Strategy, specPath.Child("strategy"))...)
	errs = append(errs, nonNegative(spec.MinReadySeconds, specPath.Child("minReadySeconds"))...)
	if limit := spec.RevisionHistoryLimit; limit != nil {
		errs = append(errs, nonNegative(*limit, specPath.Child("revisionHistoryLimit"))...)
	}
	if deadline := spec.ProgressDeadlineSeconds; deadline != nil {
		path := specPath.Child("progressDeadlineSeconds")
		errs = append(errs, nonNegative(*deadline, path)...)
		if *deadline <= spec.MinReadySeconds {
			errs = append(errs, field.Invalid(path, deadline, "must be greater than minReadySeconds"))
		}
	}
	return errs
}

var strategyTypes = []appsv1.DeploymentStrategyType{appsv1.RecreateDeploymentStrategyType, appsv1.RollingUpdateDeploymentStrategyType}

// validateStrategy is upstream's ValidateDeploymentStrategy.
func validateStrategy(s *appsv1.DeploymentStrategy, path *field.Path) field.ErrorList {
	switch s.Type {
	case appsv1.RecreateDeploymentStrategyType:
		if s.RollingUpdate != nil {
			return field.ErrorList{field.Forbidden(path.Child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")}
		}
		return nil
	case appsv1.RollingUpdateDeploymentStrategyType:
		if s.RollingUpdate == nil {
			return field.ErrorList{field.Required(path.Child("rollingUpdate"), "this should be defaulted and never be nil")}
		}
		return validateRollingUpdate(s.RollingUpdate, path.Child("rollingUpdate"))
	}
	return field.ErrorList{field.NotSupported(path, s, strategyTypes)}
}

// validateRollingUpdate is upstream's ValidateRollingUpdateDeployment: a
// rollout must be able to make progress, so maxUnavailable and maxSurge may
// not both be 0. Unset values count as 0, as in the internal type.
func validateRollingUpdate(ru *appsv1.RollingUpdateDeployment, path *field.Path) field.ErrorList {
	maxUnavailable := ptr.Deref(ru.MaxUnavailable, intstr.IntOrString{})
	maxSurge := ptr.Deref(ru.MaxSurge, intstr.IntOrString{})
	errs := workload.ValidateIntOrPercent(maxUnavailable, path.Child("maxUnavailable"))
	errs = append(errs, workload.ValidateIntOrPercent(maxSurge, path.Child("maxSurge"))...)
	if workload.IntOrPercentValue(maxUnavailable) == 0 && workload.IntOrPercentValue(maxSurge) == 0 {
		errs = append(errs, field.Invalid(path.Child("maxUnavailable"), maxUnavailable, "may not be 0 when `maxSurge` is 0"))
	}
	return append(errs, workload.ValidateNotOver100Percent(maxUnavailable, path.Child("maxUnavailable"))...)
}

// validateStatus is upstream's ValidateDeploymentStatus plus the update
// rule that collisionCount never goes down.
func validateStatus(s, old *appsv1.DeploymentStatus) field.ErrorList {
	errs := apimachineryvalidation.ValidateNonnegativeField(s.ObservedGeneration, statusPath.Child("observedGeneration"))
	for _, c := range []struct {
		name  string
		value int32
	}{
		{"replicas", s.Replicas},
		{"updatedReplicas", s.UpdatedReplicas},
		{"readyReplicas", s.ReadyReplicas},
		{"availableReplicas", s.AvailableReplicas},
		{"unavailableReplicas", s.UnavailableReplicas},
	} {
		errs = append(errs, nonNegative(c.value, statusPath.Child(c.name))...)
	}
	if s.CollisionCount != nil {
		errs = append(errs, nonNegative(*s.CollisionCount, statusPath.Child("collisionCount"))...)
	}
	const msg = "cannot be greater than status.replicas"
	if s.UpdatedReplicas > s.Replicas {
		errs = append(errs, field.Invalid(statusPath.Child("updatedReplicas"), s.UpdatedReplicas, msg))
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
	if old.CollisionCount != nil && (s.CollisionCount == nil || *s.CollisionCount < *old.CollisionCount) {
		errs = append(errs, field.Invalid(statusPath.Child("collisionCount"), ptr.Deref(s.CollisionCount, 0), "cannot be decremented"))
	}
	return errs
}

func nonNegative(v int32, path *field.Path) field.ErrorList {
	return apimachineryvalidation.ValidateNonnegativeField(int64(v), path)
}
