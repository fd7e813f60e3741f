package statefulset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/registry/workload"
)

// strategy holds the rules of the main resource (upstream's
// statefulSetStrategy). PUT may omit resourceVersion and may not create.
type strategy struct{ registry.DefaultStrategy }

// Default applies the apps/v1 defaults.
func (strategy) Default(obj runtime.Object) { setDefaults(obj.(*appsv1.StatefulSet)) }

// PrepareForCreate wipes any status sent and starts generation at 1.
func (strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	sts := obj.(*appsv1.StatefulSet)
	sts.Status = appsv1.StatefulSetStatus{}
	sts.Generation = 1
}

// Validate checks a new StatefulSet.
func (strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validateSpec(&obj.(*appsv1.StatefulSet).Spec)
}

// PrepareForUpdate keeps the stored status and bumps generation when the
// spec changed.
func (strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	sts, oldSTS := obj.(*appsv1.StatefulSet), old.(*appsv1.StatefulSet)
	sts.Status = oldSTS.Status
	workload.BumpGeneration(sts, oldSTS, sts.Spec, oldSTS.Spec)
}

// ValidateUpdate checks the new spec and that only the mutable fields
// changed.
func (strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	sts, oldSTS := obj.(*appsv1.StatefulSet), old.(*appsv1.StatefulSet)
	return append(validateSpec(&sts.Spec), validateSpecUpdate(&sts.Spec, &oldSTS.Spec)...)
}

// statusStrategy serves statefulsets/status: it takes status and keeps spec.
type statusStrategy struct{ registry.DefaultStrategy }

// PrepareForUpdate keeps the stored spec.
func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*appsv1.StatefulSet).Spec = old.(*appsv1.StatefulSet).Spec
}

// ValidateUpdate checks the new status.
func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validateStatus(&obj.(*appsv1.StatefulSet).Status, &old.(*appsv1.StatefulSet).Status)
}
