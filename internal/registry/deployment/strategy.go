package deployment

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/registry/workload"
)

// strategy holds the rules of the main resource (upstream's
// deploymentStrategy). PUT may omit resourceVersion and may not create.
type strategy struct{ registry.DefaultStrategy }

// Default applies the apps/v1 defaults.
func (strategy) Default(obj runtime.Object) { setDefaults(obj.(*appsv1.Deployment)) }

// PrepareForCreate wipes any status sent and starts generation at 1.
func (strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	d := obj.(*appsv1.Deployment)
	d.Status = appsv1.DeploymentStatus{}
	d.Generation = 1
}

// Validate checks a new Deployment.
func (strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validateSpec(&obj.(*appsv1.Deployment).Spec)
}

// PrepareForUpdate keeps the stored status and bumps generation when the
// spec or the annotations changed: annotations are copied to the
// ReplicaSets, so the controller must see their changes as a new
// generation (including its own deployment.kubernetes.io/revision).
func (strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	d, oldD := obj.(*appsv1.Deployment), old.(*appsv1.Deployment)
	d.Status = oldD.Status
	workload.BumpGeneration(d, oldD, d.Spec, oldD.Spec)
	workload.BumpGeneration(d, oldD, d.Annotations, oldD.Annotations)
}

// ValidateUpdate checks the new spec; the selector is immutable in apps/v1.
func (strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	d, oldD := obj.(*appsv1.Deployment), old.(*appsv1.Deployment)
	errs := validateSpec(&d.Spec)
	return append(errs, apimachineryvalidation.ValidateImmutableField(d.Spec.Selector, oldD.Spec.Selector, specPath.Child("selector"))...)
}

// statusStrategy serves deployments/status: it takes status and keeps spec
// and labels (upstream resets both for status writers).
type statusStrategy struct{ registry.DefaultStrategy }

// PrepareForUpdate keeps the stored spec and labels.
func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	d, oldD := obj.(*appsv1.Deployment), old.(*appsv1.Deployment)
	d.Spec = oldD.Spec
	d.Labels = oldD.Labels
}

// ValidateUpdate checks the new status.
func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validateStatus(&obj.(*appsv1.Deployment).Status, &old.(*appsv1.Deployment).Status)
}
