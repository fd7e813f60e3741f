package statefulset

import (
	"context"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	"github.com/evictd/evictd/internal/controller/ownership"
)

// sync reconciles the set of key: claim its revisions and pods, take one
// step, write the status, prune history. A set with minReadySeconds whose
// pods are not all available yet is looked at again after minReadySeconds.
func (c *Controller) sync(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return fmt.Errorf("StatefulSet key %q: %w", key, err)
	}
	set, err := c.sets.StatefulSets(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get StatefulSet %s: %w", key, err)
	}
	selector, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
	if err != nil {
		// Retrying cannot fix a selector; upstream drops the key too.
		c.log.Error("StatefulSet has an invalid selector", "statefulset", key, "err", err)
		return nil
	}
	set = set.DeepCopy()
	revisions, err := c.claimRevisions(ctx, set, selector, c.owner(set, selector, c.patchRevisions))
	if err != nil {
		return err
	}
	pods, err := c.claimPods(ctx, set, selector)
	if err != nil {
		return err
	}
	status, err := c.syncSet(ctx, set, pods, revisions)
	if err != nil {
		return err
	}
	if set.Spec.MinReadySeconds > 0 && status.AvailableReplicas != *set.Spec.Replicas {
		c.enqueueAfter(key, time.Duration(set.Spec.MinReadySeconds)*time.Second)
	}
	return nil
}

// owner is the ownership manager of set for one resource; adoption first
// re-reads the set from the API server and refuses if it is being deleted
// or was replaced by a namesake.
func (c *Controller) owner(set *appsv1.StatefulSet, selector labels.Selector, patch ownership.PatchFunc) *ownership.Manager {
	recheck := ownership.RecheckDeletionTimestamp(func(ctx context.Context) (metav1.Object, error) {
		fresh, err := c.client.AppsV1().StatefulSets(set.Namespace).Get(ctx, set.Name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		if fresh.UID != set.UID {
			return nil, fmt.Errorf("original StatefulSet %s/%s is gone: got uid %s, wanted %s", set.Namespace, set.Name, fresh.UID, set.UID)
		}
		return fresh, nil
	})
	return ownership.NewManager(set, controllerKind, selector, recheck, patch)
}

// claimPods returns the pods the set owns after adoption and release.
// Only pods named like the set's (<set>-<ordinal>) are candidates, as
// upstream: the selector alone is not enough.
func (c *Controller) claimPods(ctx context.Context, set *appsv1.StatefulSet, selector labels.Selector) ([]*corev1.Pod, error) {
	all, err := c.pods.Pods(set.Namespace).List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("list pods: %w", err)
	}
	m := c.owner(set, selector, ownership.PatchPods(c.client))
	pods, err := ownership.Claim(ctx, m, all, func(pod *corev1.Pod) bool { return isMemberOf(set, pod) })
	if err != nil {
		return nil, fmt.Errorf("claim pods of StatefulSet %s/%s: %w", set.Namespace, set.Name, err)
	}
	return pods, nil
}

// syncSet is upstream's UpdateStatefulSet: revisions, one reconcile step,
// the status write (even after a failed step, so the counts stay true),
// then history pruning.
func (c *Controller) syncSet(ctx context.Context, set *appsv1.StatefulSet, pods []*corev1.Pod,
	revisions []*appsv1.ControllerRevision) (*appsv1.StatefulSetStatus, error) {
	current, update, collisionCount, err := c.revisionsFor(ctx, set, revisions)
	if err != nil {
		return nil, err
	}
	status, err := c.reconcile(ctx, set, current, update, collisionCount, pods)
	if status == nil {
		return nil, err
	}
	if statusErr := c.writeStatus(ctx, set, status); statusErr != nil {
		err = errors.Join(err, statusErr)
	}
	if err != nil {
		return nil, err
	}
	return status, c.truncateHistory(ctx, set, pods, revisions, current, update)
}
