package job

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The status validation is upstream's validateJobStatus and
// ValidateJobStatusUpdate for the checks that hold whatever changed:
// non-negative counters, unique uncounted pods, terminal conditions that
// stay, and finished Jobs that are consistent. The checks upstream makes
// only when a given field changes (completedIndexes and failedIndexes
// syntax, completionTime mutation, counters that never decrease) are left
// to the controller.

var statusPath = field.NewPath("status")

// validateStatusUpdate checks a status write against the stored Job.
func validateStatusUpdate(job, old *batchv1.Job) field.ErrorList {
	errs := validateStatus(job)
	for _, t := range []batchv1.JobConditionType{batchv1.JobFailed, batchv1.JobComplete, batchv1.JobFailureTarget} {
		if hasCondition(old, t) && !hasCondition(job, t) {
			errs = append(errs, field.Invalid(statusPath.Child("conditions"), field.OmitValueType{}, fmt.Sprintf("cannot disable the terminal %s=True condition", t)))
		}
	}
	return errs
}

// validateStatus checks the counters and the consistency of a finished Job.
func validateStatus(job *batchv1.Job) field.ErrorList {
	s := &job.Status
	var errs field.ErrorList
	for _, f := range []struct {
		name  string
		value *int32
	}{
		{"active", &s.Active}, {"succeeded", &s.Succeeded}, {"failed", &s.Failed},
		{"ready", s.Ready}, {"terminating", s.Terminating},
	} {
		if f.value != nil {
			errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(int64(*f.value), statusPath.Child(f.name))...)
		}
	}
	errs = append(errs, validateUncounted(s.UncountedTerminatedPods)...)
	complete, failed := hasCondition(job, batchv1.JobComplete), hasCondition(job, batchv1.JobFailed)
	if complete && failed {
		errs = append(errs, field.Invalid(statusPath.Child("conditions"), field.OmitValueType{}, "cannot set Complete=True and Failed=true conditions"))
	}
	if (complete || failed) && s.Active > 0 {
		errs = append(errs, field.Invalid(statusPath.Child("active"), s.Active, "active>0 is invalid for finished job"))
	}
	if s.StartTime != nil && s.CompletionTime != nil && s.CompletionTime.Before(s.StartTime) {
		errs = append(errs, field.Invalid(statusPath.Child("completionTime"), s.CompletionTime, "completionTime cannot be set before startTime"))
	}
	if s.Ready != nil && *s.Ready > s.Active {
		errs = append(errs, field.Invalid(statusPath.Child("ready"), *s.Ready, "cannot set more ready pods than active"))
	}
	return errs
}

// validateUncounted requires the uids of pods not yet counted to be set
// and to appear once across both lists.
func validateUncounted(u *batchv1.UncountedTerminatedPods) field.ErrorList {
	if u == nil {
		return nil
	}
	var errs field.ErrorList
	seen := sets.New[types.UID]()
	path := statusPath.Child("uncountedTerminatedPods")
	for _, list := range []struct {
		name string
		uids []types.UID
	}{{"succeeded", u.Succeeded}, {"failed", u.Failed}} {
		for i, uid := range list.uids {
			p := path.Child(list.name).Index(i)
			switch {
			case uid == "":
				errs = append(errs, field.Invalid(p, uid, "must not be empty"))
			case seen.Has(uid):
				errs = append(errs, field.Duplicate(p, uid))
			}
			seen.Insert(uid)
		}
	}
	return errs
}

// hasCondition reports whether the Job has condition t with status True.
func hasCondition(job *batchv1.Job, t batchv1.JobConditionType) bool {
	for _, c := range job.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
