package job

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
)

// sync brings one Job's pods and status in line with its spec.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	cached, err := c.jobs.Jobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return c.releaseOrphans(ctx, ns, name)
	}
	if err != nil {
		return err
	}
	pods, err := c.ownedPods(cached)
	if err != nil {
		return err
	}
	if finished(cached) {
		return c.removeFinalizers(ctx, withFinalizer(pods))
	}
	job, err := c.track(ctx, cached.DeepCopy(), pods)
	if err != nil {
		return err
	}
	st := newState(job, pods)
	now := c.clock.Now()
	if !isSuspended(job) && job.Status.StartTime == nil {
		job.Status.StartTime = &metav1.Time{Time: now}
	}
	if err := c.decide(ctx, key, job, st, now); err != nil {
		return err
	}
	return c.writeStatus(ctx, cached, job, st)
}

// decide finishes the job, suspends it, or runs the pods it needs.
func (c *Controller) decide(ctx context.Context, key string, job *batchv1.Job, st *state, now time.Time) error {
	if reason, message, failed := failure(job, st, now); failed {
		return c.finish(ctx, job, st, batchv1.JobFailureTarget, batchv1.JobFailed, reason, message, now)
	}
	if succeeded(job, st) {
		return c.finish(ctx, job, st, batchv1.JobSuccessCriteriaMet, batchv1.JobComplete, batchv1.JobReasonCompletionsReached, "Reached expected number of succeeded pods", now)
	}
	if isSuspended(job) {
		setCondition(job, batchv1.JobSuspended, corev1.ConditionTrue, "JobSuspended", "Job suspended", now)
		return c.deletePods(ctx, job, st.active)
	}
	if cond := condition(job, batchv1.JobSuspended); cond != nil && cond.Status == corev1.ConditionTrue {
		setCondition(job, batchv1.JobSuspended, corev1.ConditionFalse, "JobResumed", "Job resumed", now)
		job.Status.StartTime = &metav1.Time{Time: now}
	}
	if d := job.Spec.ActiveDeadlineSeconds; d != nil && job.Status.StartTime != nil {
		c.queue.AddAfter(key, job.Status.StartTime.Add(time.Duration(*d)*time.Second).Sub(now))
	}
	return c.manage(ctx, key, job, st, now)
}

// finish moves a job towards its end: the target condition first, every
// active pod deleted, then the final condition once no pod runs (upstream
// since v1.31: FailureTarget/SuccessCriteriaMet before Failed/Complete).
func (c *Controller) finish(ctx context.Context, job *batchv1.Job, st *state, target, final batchv1.JobConditionType,
	reason, message string, now time.Time) error {
	if cond := condition(job, target); cond == nil || cond.Status != corev1.ConditionTrue {
		setCondition(job, target, corev1.ConditionTrue, reason, message, now)
		eventType := corev1.EventTypeWarning
		if final == batchv1.JobComplete {
			eventType = corev1.EventTypeNormal
		}
		c.recorder.Event(job, eventType, reason, message)
	}
	if err := c.deletePods(ctx, job, st.active); err != nil {
		return err
	}
	st.active = nil
	if st.terminating > 0 || pendingCount(job) > 0 {
		return nil
	}
	setCondition(job, final, corev1.ConditionTrue, reason, message, now)
	if final == batchv1.JobComplete {
		job.Status.CompletionTime = &metav1.Time{Time: now}
		c.recorder.Event(job, corev1.EventTypeNormal, "Completed", "Job completed")
	}
	return nil
}

// failure tells whether the job has failed, and why.
func failure(job *batchv1.Job, st *state, now time.Time) (reason, message string, failed bool) {
	if cond := condition(job, batchv1.JobFailureTarget); cond != nil && cond.Status == corev1.ConditionTrue {
		return cond.Reason, cond.Message, true
	}
	limit := int32(6)
	if job.Spec.BackoffLimit != nil {
		limit = *job.Spec.BackoffLimit
	}
	if failedCount(job) > limit {
		return batchv1.JobReasonBackoffLimitExceeded, "Job has reached the specified backoff limit", true
	}
	if d := job.Spec.ActiveDeadlineSeconds; d != nil && job.Status.StartTime != nil && !isSuspended(job) &&
		!now.Before(job.Status.StartTime.Add(time.Duration(*d)*time.Second)) {
		return batchv1.JobReasonDeadlineExceeded, "Job was active longer than specified deadline", true
	}
	return "", "", false
}

// succeeded tells whether the job met its completions.
func succeeded(job *batchv1.Job, st *state) bool {
	if cond := condition(job, batchv1.JobSuccessCriteriaMet); cond != nil && cond.Status == corev1.ConditionTrue {
		return true
	}
	done := succeededCount(job)
	if job.Spec.Completions == nil {
		return done > 0 && len(st.active) == 0
	}
	if isIndexed(job) {
		return int32(len(completedIndexes(job))) >= *job.Spec.Completions
	}
	return done >= *job.Spec.Completions
}

// writeStatus writes the counts and conditions if they changed.
func (c *Controller) writeStatus(ctx context.Context, cached, job *batchv1.Job, st *state) error {
	job.Status.Active = int32(len(st.active))
	job.Status.Ready = &st.ready
	job.Status.Terminating = &st.terminating
	if isIndexed(job) {
		job.Status.CompletedIndexes = formatIndexes(completedIndexes(job))
	}
	if equality.Semantic.DeepEqual(cached.Status, job.Status) {
		return nil
	}
	if _, err := c.client.BatchV1().Jobs(job.Namespace).UpdateStatus(ctx, job, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update job status: %w", err)
	}
	return nil
}

// ownedPods lists the pods the job controls.
func (c *Controller) ownedPods(job *batchv1.Job) ([]*corev1.Pod, error) {
	all, err := c.pods.Pods(job.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	var owned []*corev1.Pod
	for _, p := range all {
		if ref := metav1.GetControllerOf(p); ref != nil && ref.UID == job.UID {
			owned = append(owned, p)
		}
	}
	return owned, nil
}

// releaseOrphans removes the tracking finalizer from the pods of a job
// that is gone, so they can be deleted.
func (c *Controller) releaseOrphans(ctx context.Context, ns, name string) error {
	all, err := c.pods.Pods(ns).List(labels.Everything())
	if err != nil {
		return err
	}
	var orphans []*corev1.Pod
	for _, p := range withFinalizer(all) {
		if ref := metav1.GetControllerOf(p); ref != nil && ref.Kind == "Job" && ref.Name == name {
			orphans = append(orphans, p)
		}
	}
	return c.removeFinalizers(ctx, orphans)
}

func finished(job *batchv1.Job) bool {
	for _, c := range job.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

func isSuspended(job *batchv1.Job) bool { return job.Spec.Suspend != nil && *job.Spec.Suspend }

func isIndexed(job *batchv1.Job) bool {
	return job.Spec.CompletionMode != nil && *job.Spec.CompletionMode == batchv1.IndexedCompletion
}

func condition(job *batchv1.Job, typ batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range job.Status.Conditions {
		if job.Status.Conditions[i].Type == typ {
			return &job.Status.Conditions[i]
		}
	}
	return nil
}

// setCondition sets a condition, keeping lastTransitionTime when the
// status does not change.
func setCondition(job *batchv1.Job, typ batchv1.JobConditionType, status corev1.ConditionStatus, reason, message string, now time.Time) {
	t := metav1.NewTime(now)
	if cond := condition(job, typ); cond != nil {
		if cond.Status != status {
			cond.LastTransitionTime = t
		}
		cond.Status, cond.Reason, cond.Message, cond.LastProbeTime = status, reason, message, t
		return
	}
	job.Status.Conditions = append(job.Status.Conditions, batchv1.JobCondition{
		Type: typ, Status: status, Reason: reason, Message: message, LastProbeTime: t, LastTransitionTime: t,
	})
}
