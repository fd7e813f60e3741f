package job

import (
	"context"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/registry/workload"
)

// strategy holds the rules of the main resource (upstream's jobStrategy).
// PUT may omit resourceVersion and may not create (DefaultStrategy).
type strategy struct{ registry.DefaultStrategy }

// Default applies the batch/v1 defaults.
func (strategy) Default(obj runtime.Object) { Default(obj.(*batchv1.Job)) }

// PrepareForCreate wipes any status sent and starts generation at 1.
func (strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	job := obj.(*batchv1.Job)
	job.Status = batchv1.JobStatus{}
	job.Generation = 1
}

// Validate generates the selector, then checks the new Job. Upstream
// generates it in PrepareForCreate, after the uid is set; evictd's store
// sets the uid (and a generated name) after PrepareForCreate and before
// Validate, so the generation happens here, on the final name and uid.
func (strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	job := obj.(*batchv1.Job)
	generateSelector(job)
	return validateJob(job, true)
}

// PrepareForUpdate keeps the stored status and bumps generation when the
// spec changed.
func (strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	job, oldJob := obj.(*batchv1.Job), old.(*batchv1.Job)
	job.Status = oldJob.Status
	workload.BumpGeneration(job, oldJob, job.Spec, oldJob.Spec)
}

// ValidateUpdate checks the new Job and what may not change. The prefixed
// selector labels are required only if the stored Job has them.
func (strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	job, oldJob := obj.(*batchv1.Job), old.(*batchv1.Job)
	_, hadName := oldJob.Spec.Template.Labels[batchv1.JobNameLabel]
	_, hadUID := oldJob.Spec.Template.Labels[batchv1.ControllerUidLabel]
	errs := validateJob(job, hadName && hadUID)
	return append(errs, validateSpecUpdate(&job.Spec, oldJob, specPath)...)
}

// statusStrategy serves jobs/status: it takes status and keeps spec.
type statusStrategy struct{ registry.DefaultStrategy }

// PrepareForUpdate keeps the stored spec.
func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*batchv1.Job).Spec = old.(*batchv1.Job).Spec
}

// ValidateUpdate checks the new status against the old one.
func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validateStatusUpdate(obj.(*batchv1.Job), old.(*batchv1.Job))
}
