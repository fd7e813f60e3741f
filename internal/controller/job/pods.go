package job

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Upstream's pod back-off after failures: 10 s doubling, at most 6 min.
const (
	initialBackoff = 10 * time.Second
	maxBackoff     = 6 * time.Minute
)

// manage creates or deletes pods so that as many run as the job wants.
func (c *Controller) manage(ctx context.Context, key string, job *batchv1.Job, st *state, now time.Time) error {
	want := wantActive(job, st)
	running := int32(len(st.active))
	if onlyReplaceFailed(job) {
		running += st.terminating
	}
	switch {
	case running > want:
		return c.deletePods(ctx, job, surplus(st.active, int(running-want)))
	case running < want && c.expect.SatisfiedExpectations(key):
		if wait := c.backoff(key, job, now); wait > 0 {
			c.queue.AddAfter(key, wait)
			return nil
		}
		return c.createPods(ctx, key, job, st, int(want-running))
	}
	return nil
}

// wantActive is how many pods should run now (upstream's
// wantActiveNonIndexed and its Indexed counterpart).
func wantActive(job *batchv1.Job, st *state) int32 {
	parallelism := int32(1)
	if job.Spec.Parallelism != nil {
		parallelism = *job.Spec.Parallelism
	}
	if job.Spec.Completions == nil {
		if succeededCount(job) > 0 {
			return 0 // one success: let the others finish, start none
		}
		return parallelism
	}
	left := *job.Spec.Completions - succeededCount(job)
	if isIndexed(job) {
		left = *job.Spec.Completions - int32(len(completedIndexes(job)))
	}
	return max(0, min(parallelism, left))
}

// backoff is how long to wait before replacing failed pods.
func (c *Controller) backoff(key string, job *batchv1.Job, now time.Time) time.Duration {
	failed := failedCount(job)
	c.mu.Lock()
	last, ok := c.lastFailure[key]
	c.mu.Unlock()
	if !ok || failed == 0 {
		return 0
	}
	delay := initialBackoff
	for i := int32(1); i < failed && delay < maxBackoff; i++ {
		delay *= 2
	}
	return last.Add(min(delay, maxBackoff)).Sub(now)
}

// createPods creates n pods from the template, in upstream's slow-start
// batches (1, 2, 4, …), stopping at the first failing batch.
func (c *Controller) createPods(ctx context.Context, key string, job *batchv1.Job, st *state, n int) error {
	indexes := c.nextIndexes(job, st, n)
	if isIndexed(job) {
		n = min(n, len(indexes))
	}
	c.expect.ExpectCreations(key, n)
	created := 0
	for batch := 1; created < n; batch *= 2 {
		size := min(batch, n-created)
		errs := make(chan error, size)
		for i := range size {
			go func(slot int) { errs <- c.createPod(ctx, job, indexAt(indexes, slot)) }(created + i)
		}
		var failed error
		for range size {
			if err := <-errs; err != nil {
				c.expect.CreationObserved(key)
				failed = errors.Join(failed, err)
			}
		}
		created += size
		if failed != nil {
			c.expect.LowerExpectations(key, n-created, 0)
			return failed
		}
	}
	return nil
}

func (c *Controller) createPod(ctx context.Context, job *batchv1.Job, index int) error {
	pod := podFromTemplate(job, index)
	created, err := c.client.CoreV1().Pods(job.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			return nil
		}
		c.recorder.Eventf(job, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
		return fmt.Errorf("create pod: %w", err)
	}
	c.recorder.Eventf(job, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", created.Name)
	return nil
}

// podFromTemplate is a pod of the job: its template, the tracking
// finalizer, the controller reference, and for Indexed jobs the index as
// annotation, label, hostname and JOB_COMPLETION_INDEX (index < 0: none).
func podFromTemplate(job *batchv1.Job, index int) *corev1.Pod {
	t := job.Spec.Template.DeepCopy()
	pod := &corev1.Pod{ObjectMeta: t.ObjectMeta, Spec: t.Spec}
	pod.Name, pod.Namespace, pod.GenerateName = "", job.Namespace, job.Name+"-"
	pod.Finalizers = append(pod.Finalizers, batchv1.JobTrackingFinalizer)
	pod.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(job, batchv1.SchemeGroupVersion.WithKind("Job"))}
	if index >= 0 {
		i := strconv.Itoa(index)
		pod.GenerateName = job.Name + "-" + i + "-"
		pod.Annotations = withEntry(pod.Annotations, batchv1.JobCompletionIndexAnnotation, i)
		pod.Labels = withEntry(pod.Labels, batchv1.JobCompletionIndexAnnotation, i)
		if pod.Spec.Hostname == "" {
			pod.Spec.Hostname = job.Name + "-" + i
		}
		for j := range pod.Spec.Containers {
			pod.Spec.Containers[j].Env = append(pod.Spec.Containers[j].Env, corev1.EnvVar{Name: "JOB_COMPLETION_INDEX", Value: i})
		}
	}
	return pod
}

func withEntry(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

// deletePods deletes pods, recording an event for each.
func (c *Controller) deletePods(ctx context.Context, job *batchv1.Job, pods []*corev1.Pod) error {
	var errs error
	for _, p := range pods {
		err := c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &p.UID}})
		switch {
		case err == nil:
			c.recorder.Eventf(job, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %s", p.Name)
		case !apierrors.IsNotFound(err) && !apierrors.IsConflict(err):
			errs = errors.Join(errs, fmt.Errorf("delete pod %s: %w", p.Name, err))
		}
	}
	return errs
}

// surplus picks n pods to delete: not Ready first, then the newest.
func surplus(active []*corev1.Pod, n int) []*corev1.Pod {
	pods := slices.Clone(active)
	slices.SortStableFunc(pods, func(a, b *corev1.Pod) int {
		if ra, rb := isReady(a), isReady(b); ra != rb {
			if !ra {
				return -1
			}
			return 1
		}
		return b.CreationTimestamp.Compare(a.CreationTimestamp.Time)
	})
	return pods[:min(n, len(pods))]
}

// removeFinalizers drops the job-tracking finalizer from the pods.
func (c *Controller) removeFinalizers(ctx context.Context, pods []*corev1.Pod) error {
	var errs error
	for _, p := range pods {
		patch, _ := json.Marshal(map[string]any{
			"metadata": map[string]any{"$deleteFromPrimitiveList/finalizers": []string{batchv1.JobTrackingFinalizer}},
		})
		_, err := c.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			errs = errors.Join(errs, fmt.Errorf("remove finalizer of pod %s: %w", p.Name, err))
		}
	}
	return errs
}
