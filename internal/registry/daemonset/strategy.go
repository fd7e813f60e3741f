package daemonset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/registry/workload"
)

// strategy holds the rules of the main resource (upstream's
// daemonSetStrategy). PUT may omit resourceVersion and may not create.
type strategy struct{ registry.DefaultStrategy }

// Default applies the apps/v1 defaults.
func (strategy) Default(obj runtime.Object) { setDefaults(obj.(*appsv1.DaemonSet)) }

// PrepareForCreate wipes any status sent, starts generation at 1 and the
// template generation at 1 or the value sent, whichever is higher.
func (strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	ds := obj.(*appsv1.DaemonSet)
	ds.Status = appsv1.DaemonSetStatus{}
	ds.Generation = 1
	setTemplateGeneration(ds, max(templateGeneration(ds), 1))
}

// Validate checks a new DaemonSet.
func (strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validateSpec(&obj.(*appsv1.DaemonSet).Spec)
}

// PrepareForUpdate keeps the stored status and template generation; a
// template change bumps both generations, any other spec change only
// metadata.generation.
func (strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	ds, oldDS := obj.(*appsv1.DaemonSet), old.(*appsv1.DaemonSet)
	ds.Status = oldDS.Status
	workload.BumpGeneration(ds, oldDS, ds.Spec, oldDS.Spec)
	generation := templateGeneration(oldDS)
	if !apiequality.Semantic.DeepEqual(ds.Spec.Template, oldDS.Spec.Template) {
		generation++
	}
	setTemplateGeneration(ds, generation)
}

// ValidateUpdate checks the new spec; the selector is immutable in apps/v1.
func (strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	ds, oldDS := obj.(*appsv1.DaemonSet), old.(*appsv1.DaemonSet)
	errs := validateSpec(&ds.Spec)
	return append(errs, apimachineryvalidation.ValidateImmutableField(ds.Spec.Selector, oldDS.Spec.Selector, specPath.Child("selector"))...)
}

// statusStrategy serves daemonsets/status: it takes status and keeps spec.
type statusStrategy struct{ registry.DefaultStrategy }

// PrepareForUpdate keeps the stored spec, and the template generation
// that stands for a spec field.
func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	ds, oldDS := obj.(*appsv1.DaemonSet), old.(*appsv1.DaemonSet)
	ds.Spec = oldDS.Spec
	setTemplateGeneration(ds, templateGeneration(oldDS))
}

// ValidateUpdate checks the new status.
func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validateStatus(&obj.(*appsv1.DaemonSet).Status, &old.(*appsv1.DaemonSet).Status)
}
