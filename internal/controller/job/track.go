package job

import (
	"context"
	"fmt"
	"slices"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// state is what a sync sees of a job's pods.
type state struct {
	// active pods are neither finished nor being deleted.
	active []*corev1.Pod
	// terminating pods are being deleted and have not finished.
	terminating int32
	// ready counts the active pods that are Ready.
	ready int32
}

func newState(job *batchv1.Job, pods []*corev1.Pod) *state {
	st := &state{}
	for _, p := range pods {
		switch {
		case p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed:
		case p.DeletionTimestamp != nil:
			st.terminating++
		default:
			st.active = append(st.active, p)
			if isReady(p) {
				st.ready++
			}
		}
	}
	return st
}

// isFailed is upstream's isPodFailed: a Failed pod, and — unless the job
// replaces only failed pods — a pod being deleted before it succeeded (an
// evicted pod among them), which may never reach a phase of its own.
func isFailed(p *corev1.Pod, job *batchv1.Job) bool {
	if p.Status.Phase == corev1.PodFailed {
		return true
	}
	if onlyReplaceFailed(job) {
		return false
	}
	return p.DeletionTimestamp != nil && p.Status.Phase != corev1.PodSucceeded
}

func onlyReplaceFailed(job *batchv1.Job) bool {
	return job.Spec.PodFailurePolicy != nil ||
		(job.Spec.PodReplacementPolicy != nil && *job.Spec.PodReplacementPolicy == batchv1.Failed)
}

// track counts finished pods exactly once, as upstream: their UIDs go into
// status.uncountedTerminatedPods (written), then their finalizers go, then
// the UIDs whose finalizer is gone move into succeeded/failed (written
// with the rest of the status).
func (c *Controller) track(ctx context.Context, job *batchv1.Job, pods []*corev1.Pod) (*batchv1.Job, error) {
	if job.Status.UncountedTerminatedPods == nil {
		job.Status.UncountedTerminatedPods = &batchv1.UncountedTerminatedPods{}
	}
	u := job.Status.UncountedTerminatedPods
	added := false
	for _, p := range withFinalizer(pods) {
		switch {
		case p.Status.Phase == corev1.PodSucceeded && !slices.Contains(u.Succeeded, p.UID):
			u.Succeeded, added = append(u.Succeeded, p.UID), true
		case isFailed(p, job) && !slices.Contains(u.Failed, p.UID):
			u.Failed, added = append(u.Failed, p.UID), true
		}
	}
	if added {
		updated, err := c.client.BatchV1().Jobs(job.Namespace).UpdateStatus(ctx, job, metav1.UpdateOptions{})
		if err != nil {
			return nil, fmt.Errorf("record uncounted pods: %w", err)
		}
		job = updated
		u = job.Status.UncountedTerminatedPods
	}
	byUID := map[types.UID]*corev1.Pod{}
	for _, p := range pods {
		byUID[p.UID] = p
	}
	var release []*corev1.Pod
	for _, uid := range slices.Concat(u.Succeeded, u.Failed) {
		if p := byUID[uid]; p != nil && hasFinalizer(p) {
			release = append(release, p)
		}
	}
	if err := c.removeFinalizers(ctx, release); err != nil {
		return nil, err
	}
	c.count(job, byUID)
	return job, nil
}

// count moves the uncounted UIDs, whose finalizers are gone now, into the
// counters; succeeded pods of an Indexed job add their index.
func (c *Controller) count(job *batchv1.Job, byUID map[types.UID]*corev1.Pod) {
	u := job.Status.UncountedTerminatedPods
	indexes := completedIndexes(job)
	for _, uid := range u.Succeeded {
		job.Status.Succeeded++
		if p := byUID[uid]; p != nil && isIndexed(job) {
			if i, ok := podIndex(p); ok && !slices.Contains(indexes, i) {
				indexes = append(indexes, i)
			}
		}
	}
	if len(u.Failed) > 0 {
		job.Status.Failed += int32(len(u.Failed))
		c.mu.Lock()
		c.lastFailure[job.Namespace+"/"+job.Name] = c.clock.Now()
		c.mu.Unlock()
	}
	if isIndexed(job) {
		job.Status.CompletedIndexes = formatIndexes(indexes)
	}
	u.Succeeded, u.Failed = nil, nil
}

// pendingCount is how many finished pods are recorded but not counted.
func pendingCount(job *batchv1.Job) int {
	if u := job.Status.UncountedTerminatedPods; u != nil {
		return len(u.Succeeded) + len(u.Failed)
	}
	return 0
}

func succeededCount(job *batchv1.Job) int32 {
	n := job.Status.Succeeded
	if u := job.Status.UncountedTerminatedPods; u != nil {
		n += int32(len(u.Succeeded))
	}
	return n
}

func failedCount(job *batchv1.Job) int32 {
	n := job.Status.Failed
	if u := job.Status.UncountedTerminatedPods; u != nil {
		n += int32(len(u.Failed))
	}
	return n
}

func hasFinalizer(p *corev1.Pod) bool {
	return slices.Contains(p.Finalizers, batchv1.JobTrackingFinalizer)
}

func withFinalizer(pods []*corev1.Pod) []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range pods {
		if hasFinalizer(p) {
			out = append(out, p)
		}
	}
	return out
}

func isReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
