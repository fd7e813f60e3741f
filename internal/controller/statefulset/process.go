package statefulset

import (
	"context"
	"errors"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
)

// maxBatchSize caps a Parallel slow-start batch, as upstream's MaxBatchSize.
const maxBatchSize = 500

// runForAll runs fn over pods: in order, stopping at the first pod that
// asks to stop or fails, when monotonic (OrderedReady); otherwise in
// slow-start batches of 1, 2, 4… goroutines, stopping after the first
// batch with an error, where a pod asking to stop does not stop the others.
func (r *round) runForAll(pods []*corev1.Pod, fn func(i int) (bool, error)) (bool, error) {
	if r.monotonic {
		for i := range pods {
			if exit, err := fn(i); exit || err != nil {
				return true, err
			}
		}
		return false, nil
	}
	if err := slowStartBatch(len(pods), fn); err != nil {
		return true, err
	}
	return false, nil
}

// slowStartBatch calls fn(0…n-1) in batches that double in size while
// every call of a batch succeeds. A batch's goroutines all end before the
// next batch starts and before it returns.
func slowStartBatch(n int, fn func(i int) (bool, error)) error {
	next := 0
	for batch := min(n, 1); batch > 0; batch = min(2*batch, n-next, maxBatchSize) {
		errs := make([]error, batch)
		var wg sync.WaitGroup
		for k := range batch {
			wg.Go(func() { _, errs[k] = fn(next + k) })
		}
		wg.Wait()
		next += batch
		if err := errors.Join(errs...); err != nil {
			return err
		}
	}
	return nil
}

// processReplica is one ordinal in range. It returns true when an
// OrderedReady set must not look at later ordinals in this round.
func (r *round) processReplica(ctx context.Context, replicas []*corev1.Pod, i int) (bool, error) {
	pod := replicas[i]
	// A finished pod (even Succeeded: an evicted pod's phase comes from its
	// containers' exit codes) is deleted; its replacement, with the same
	// name, is created by a later sync, once it is gone.
	if isFailed(pod) || isSucceeded(pod) {
		if pod.DeletionTimestamp == nil {
			r.recordRecreate(pod)
			if err := r.c.deleteStatefulPod(ctx, r.set, pod); err != nil {
				return true, err
			}
		}
		return true, nil
	}
	if !isCreated(pod) {
		if err := r.c.createStatefulPod(ctx, r.set, pod); err != nil {
			return true, err
		}
		return r.monotonic, nil
	}
	if r.monotonic && (isTerminating(pod) || !isRunningAndReady(pod) ||
		!isRunningAndAvailable(pod, r.set.Spec.MinReadySeconds, r.now)) {
		return true, nil
	}
	if identityMatches(r.set, pod) && storageMatches(r.set, pod) {
		return false, nil
	}
	if err := r.c.updateStatefulPod(ctx, r.updateSet, pod.DeepCopy()); err != nil {
		return true, err
	}
	return false, nil
}

func (r *round) recordRecreate(pod *corev1.Pod) {
	if isFailed(pod) {
		r.c.recorder.Eventf(r.set, corev1.EventTypeWarning, "RecreatingFailedPod",
			"StatefulSet %s/%s is recreating failed Pod %s", r.set.Namespace, r.set.Name, pod.Name)
		return
	}
	r.c.recorder.Eventf(r.set, corev1.EventTypeNormal, "RecreatingTerminatedPod",
		"StatefulSet %s/%s is recreating terminated Pod %s", r.set.Namespace, r.set.Name, pod.Name)
}

// processCondemned deletes one pod beyond the replicas. OrderedReady waits
// for it to finish terminating, and deletes it only if it is Running and
// available or is the first unhealthy pod of the set (so one broken pod
// can still be scaled away).
func (r *round) processCondemned(ctx context.Context, firstUnhealthy, pod *corev1.Pod) (bool, error) {
	if isTerminating(pod) {
		return r.monotonic, nil
	}
	if r.monotonic && pod != firstUnhealthy &&
		(!isRunningAndReady(pod) || !isRunningAndAvailable(pod, r.set.Spec.MinReadySeconds, r.now)) {
		return true, nil
	}
	if err := r.c.deleteStatefulPod(ctx, r.set, pod); err != nil {
		return true, fmt.Errorf("scale down: %w", err)
	}
	return true, nil
}
