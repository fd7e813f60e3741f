package replicaset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/registry/pod"
	"github.com/evictd/evictd/internal/registry/workload"
)

// strategy holds the rules of the main resource (upstream's rsStrategy).
// PUT may omit resourceVersion and may not create (DefaultStrategy).
type strategy struct{ registry.DefaultStrategy }

// Default applies the apps/v1 defaults: one replica, and the pod spec
// defaults in the template.
func (strategy) Default(obj runtime.Object) {
	rs := obj.(*appsv1.ReplicaSet)
	if rs.Spec.Replicas == nil {
		rs.Spec.Replicas = ptr.To[int32](1)
	}
	pod.DefaultPodSpec(&rs.Spec.Template.Spec)
}

// PrepareForCreate wipes any status sent and starts generation at 1.
func (strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	rs := obj.(*appsv1.ReplicaSet)
	rs.Status = appsv1.ReplicaSetStatus{}
	rs.Generation = 1
}

// Validate checks a new ReplicaSet.
func (strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validateSpec(&obj.(*appsv1.ReplicaSet).Spec)
}

// PrepareForUpdate keeps the stored status and bumps generation when the
// spec changed, so that status.observedGeneration tells the controller's
// progress.
func (strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	rs, oldRS := obj.(*appsv1.ReplicaSet), old.(*appsv1.ReplicaSet)
	rs.Status = oldRS.Status
	workload.BumpGeneration(rs, oldRS, rs.Spec, oldRS.Spec)
}

// ValidateUpdate checks the new spec; the selector is immutable in apps/v1
// (only extensions/v1beta1 allowed changing it).
func (strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	rs, oldRS := obj.(*appsv1.ReplicaSet), old.(*appsv1.ReplicaSet)
	errs := validateSpec(&rs.Spec)
	return append(errs, apimachineryvalidation.ValidateImmutableField(rs.Spec.Selector, oldRS.Spec.Selector, specPath.Child("selector"))...)
}

// statusStrategy serves replicasets/status: it takes status and keeps spec.
type statusStrategy struct{ registry.DefaultStrategy }

// PrepareForUpdate keeps the stored spec.
func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*appsv1.ReplicaSet).Spec = old.(*appsv1.ReplicaSet).Spec
}

// ValidateUpdate checks the counters of the new status.
func (statusStrategy) ValidateUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	return validateStatus(&obj.(*appsv1.ReplicaSet).Status)
}
