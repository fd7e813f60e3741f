package replicaset

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	"github.com/evictd/evictd/internal/controller/ownership"
	"github.com/evictd/evictd/internal/controller/podranking"
)

// sync brings one workload's pods and status in line with its spec
// (§4.4): claim the active pods, create or delete when the expectations
// allow it, and write the status on every sync.
func (c *Controller) sync(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return fmt.Errorf("key %q: %w", key, err)
	}
	rs, err := c.kind.get(namespace, name)
	if apierrors.IsNotFound(err) {
		c.expectations.DeleteExpectations(key)
		return nil
	}
	if err != nil {
		return fmt.Errorf("get %s: %w", key, err)
	}
	// Read before listing pods: an observation arriving in between must
	// not let this sync act on a list that misses it.
	needsSync := c.expectations.SatisfiedExpectations(key)
	selector, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
	if err != nil {
		c.log.Error("invalid selector, not syncing", "key", key, "err", err)
		return nil // retrying cannot fix the spec
	}
	candidates := c.candidates(rs)
	active, err := c.claim(ctx, rs, selector, filter(candidates, podranking.IsActive))
	if err != nil {
		return err
	}
	var terminating []*corev1.Pod
	if c.terminating {
		terminating = owned(rs, selector, filter(candidates, isTerminating))
	}
	var manageErr error
	if needsSync && rs.DeletionTimestamp == nil {
		manageErr = c.manageReplicas(ctx, key, active, rs)
	}
	return c.finish(ctx, key, rs.DeepCopy(), active, terminating, manageErr)
}

// finish writes the status and, when every pod is Ready but some are not
// yet available, looks again after minReadySeconds. A failed status write
// is returned first (the sync is retried either way).
func (c *Controller) finish(ctx context.Context, key string, rs *appsv1.ReplicaSet, active, terminating []*corev1.Pod, manageErr error) error {
	status := c.calculateStatus(rs, active, terminating, manageErr)
	updated, err := c.updateStatus(ctx, rs, status)
	if err != nil {
		return err
	}
	if manageErr == nil && updated.Spec.MinReadySeconds > 0 &&
		updated.Status.ReadyReplicas == replicas(updated) && updated.Status.AvailableReplicas != replicas(updated) {
		c.queue.AddAfter(key, time.Duration(updated.Spec.MinReadySeconds)*time.Second)
	}
	return manageErr
}

// claim adopts matching orphans and releases owned pods that no longer
// match, and returns the pods rs owns. The adoption check reads rs from the
// API server: the cache may not show yet that it is being deleted.
func (c *Controller) claim(ctx context.Context, rs *appsv1.ReplicaSet, selector labels.Selector, pods []*corev1.Pod) ([]*corev1.Pod, error) {
	canAdopt := ownership.RecheckDeletionTimestamp(func(ctx context.Context) (metav1.Object, error) {
		fresh, err := c.kind.getLive(ctx, rs.Namespace, rs.Name)
		if err != nil {
			return nil, err
		}
		if fresh.UID != rs.UID {
			return nil, fmt.Errorf("original %s %s/%s is gone: got uid %v, wanted %v",
				c.kind.gvk().Kind, rs.Namespace, rs.Name, fresh.UID, rs.UID)
		}
		return fresh, nil
	})
	m := ownership.NewManager(rs, c.kind.gvk(), selector, canAdopt, ownership.PatchPods(c.client))
	claimed, err := ownership.Claim(ctx, m, pods)
	if err != nil {
		return nil, fmt.Errorf("claim pods of %s/%s: %w", rs.Namespace, rs.Name, err)
	}
	return claimed, nil
}

// owned keeps the pods whose controller is rs and whose labels rs selects,
// without adopting or releasing anything.
func owned(rs *appsv1.ReplicaSet, selector labels.Selector, pods []*corev1.Pod) []*corev1.Pod {
	return filter(pods, func(p *corev1.Pod) bool {
		ref := metav1.GetControllerOfNoCopy(p)
		return ref != nil && ref.UID == rs.UID && selector.Matches(labels.Set(p.Labels))
	})
}

func filter(pods []*corev1.Pod, keep func(*corev1.Pod) bool) []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range pods {
		if keep(p) {
			out = append(out, p)
		}
	}
	return out
}

// isTerminating: being deleted and not yet in a terminal phase.
func isTerminating(p *corev1.Pod) bool {
	return p.DeletionTimestamp != nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
}
