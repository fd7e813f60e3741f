package replicaset

import (
	"context"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/evictd/evictd/internal/controller/podranking"
)

// manageReplicas creates or deletes pods so that active (the active pods rs
// owns) reaches spec.replicas, at most c.burst per sync. Expectations are
// raised before writing and lowered for every write that did not happen,
// so the informer's observations bring them back to zero.
func (c *Controller) manageReplicas(ctx context.Context, key string, active []*corev1.Pod, rs *appsv1.ReplicaSet) error {
	diff := len(active) - int(replicas(rs))
	switch {
	case diff < 0:
		n := min(-diff, c.burst)
		c.expectations.ExpectCreations(key, n)
		created, err := slowStartBatch(n, slowStartInitialBatchSize, func() error {
			err := c.createPod(ctx, rs)
			if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
				return nil // the namespace is going away: nothing more to do
			}
			return err
		})
		// Creations never attempted will never be observed.
		for range n - created {
			c.expectations.CreationObserved(key)
		}
		return err
	case diff > 0:
		n := min(diff, c.burst)
		victims := c.podsToDelete(rs, active, n)
		return c.deletePods(ctx, key, rs, victims)
	}
	return nil
}

// deletePods deletes victims in parallel and returns the first error other
// than NotFound.
func (c *Controller) deletePods(ctx context.Context, key string, rs *appsv1.ReplicaSet, victims []*corev1.Pod) error {
	keys := make([]string, len(victims))
	for i, p := range victims {
		keys[i] = podKey(p)
	}
	c.expectations.ExpectDeletions(key, keys)
	errs := make(chan error, len(victims))
	var wg sync.WaitGroup
	for _, p := range victims {
		wg.Go(func() {
			if err := c.deletePodOf(ctx, rs, p); err != nil {
				// The informer will not see this deletion.
				c.expectations.DeletionObserved(key, podKey(p))
				if !apierrors.IsNotFound(err) {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err // the others are likely the same
	default:
		return nil
	}
}

// slowStartBatch calls fn count times in batches of initial, 2·initial,
// 4·initial… (each batch in parallel) and stops after the first batch with
// an error. It returns how many calls succeeded and the first error.
func slowStartBatch(count, initial int, fn func() error) (int, error) {
	remaining, successes := count, 0
	for batch := min(remaining, initial); batch > 0; batch = min(2*batch, remaining) {
		errs := make(chan error, batch)
		var wg sync.WaitGroup
		for range batch {
			wg.Go(func() {
				if err := fn(); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		successes += batch - len(errs)
		if len(errs) > 0 {
			return successes, <-errs
		}
		remaining -= batch
	}
	return successes, nil
}

// podsToDelete picks the n pods of active to delete first (§4.5.1); there
// is no ranking when every active pod goes.
func (c *Controller) podsToDelete(rs *appsv1.ReplicaSet, active []*corev1.Pod, n int) []*corev1.Pod {
	if n >= len(active) {
		return active
	}
	pods := append([]*corev1.Pod(nil), active...)
	ranks := podranking.Ranks(pods, c.relatedPods(rs))
	podranking.Sort(pods, ranks, c.clock.Now())
	return pods[:n]
}

// relatedPods are the pods controlled by any workload with the same
// controller as rs (all ReplicaSets of its Deployment) and selected by it.
// Upstream finds none for a workload without a controller, so a bare
// ReplicaSet ranks every pod 0 and co-location never decides.
func (c *Controller) relatedPods(rs *appsv1.ReplicaSet) []*corev1.Pod {
	var related []*corev1.Pod
	for _, other := range c.kind.sameController(rs) {
		sel, err := metav1.LabelSelectorAsSelector(other.Spec.Selector)
		if err != nil {
			continue
		}
		for _, p := range c.podsControlledBy(string(other.UID)) {
			if sel.Matches(labels.Set(p.Labels)) {
				related = append(related, p)
			}
		}
	}
	return related
}

func replicas(rs *appsv1.ReplicaSet) int32 {
	if rs.Spec.Replicas == nil {
		return 1 // the API server defaults it; a cache object from elsewhere may not be
	}
	return *rs.Spec.Replicas
}
