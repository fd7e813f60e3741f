package daemonset

import (
	"context"
	"errors"
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

// sync reconciles the set of key: history, then (once earlier creations
// and deletions are observed) pods per node and the rolling update, then
// history pruning and the status.
func (c *Controller) sync(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return fmt.Errorf("DaemonSet key %q: %w", key, err)
	}
	set, err := c.sets.DaemonSets(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		c.expectations.DeleteExpectations(key)
		return nil
	}
	if err != nil {
		return fmt.Errorf("get DaemonSet %s: %w", key, err)
	}
	nodes, err := c.nodes.List(everything)
	if err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	if set.Spec.Selector == nil || equality.Semantic.DeepEqual(set.Spec.Selector, &metav1.LabelSelector{}) {
		c.recorder.Event(set, corev1.EventTypeWarning, "SelectingAll", "This daemon set is selecting all pods. A non-empty selector is required.")
		return nil
	}
	// Being deleted: its revisions may already be gone (or orphaned), so
	// its pods are not touched, as upstream.
	if set.DeletionTimestamp != nil {
		return nil
	}
	set = set.DeepCopy()
	m, err := c.owner(set, c.patchRevisions)
	if err != nil {
		return err
	}
	cur, old, err := c.constructHistory(ctx, set, m)
	if err != nil {
		return fmt.Errorf("history of DaemonSet %s: %w", key, err)
	}
	hash := cur.Labels[appsv1.DefaultDaemonSetUniqueLabelKey]
	if !c.expectations.SatisfiedExpectations(key) {
		return c.updateStatus(ctx, set, nodes, hash, false)
	}
	err = c.update(ctx, set, nodes, hash, key, old)
	return errors.Join(err, c.updateStatus(ctx, set, nodes, hash, true))
}

// update runs manage, then, if manage's writes are all observed already,
// the rolling update, then prunes history.
func (c *Controller) update(ctx context.Context, set *appsv1.DaemonSet, nodes []*corev1.Node, hash, key string, old []*appsv1.ControllerRevision) error {
	if err := c.manage(ctx, set, nodes, hash); err != nil {
		return err
	}
	if c.expectations.SatisfiedExpectations(key) && set.Spec.UpdateStrategy.Type == appsv1.RollingUpdateDaemonSetStrategyType {
		if err := c.rollingUpdate(ctx, set, nodes, hash); err != nil {
			return err
		}
	}
	return c.cleanupHistory(ctx, set, old)
}

// cleanupHistory deletes the oldest old revisions beyond
// spec.revisionHistoryLimit that no pod (finished ones included) still
// carries.
func (c *Controller) cleanupHistory(ctx context.Context, set *appsv1.DaemonSet, old []*appsv1.ControllerRevision) error {
	limit := 10
	if set.Spec.RevisionHistoryLimit != nil {
		limit = int(*set.Spec.RevisionHistoryLimit)
	}
	toKill := len(old) - limit
	if toKill <= 0 {
		return nil
	}
	byNode, err := c.nodeToDaemonPods(ctx, set, true)
	if err != nil {
		return err
	}
	live := map[string]bool{}
	for _, pods := range byNode {
		for _, pod := range pods {
			live[pod.Labels[appsv1.DefaultDaemonSetUniqueLabelKey]] = true
		}
	}
	slices.SortFunc(old, func(a, b *appsv1.ControllerRevision) int { return int(a.Revision - b.Revision) })
	for _, rev := range old {
		if toKill <= 0 {
			break
		}
		if live[rev.Labels[appsv1.DefaultDaemonSetUniqueLabelKey]] {
			continue
		}
		err := c.client.AppsV1().ControllerRevisions(set.Namespace).Delete(ctx, rev.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete ControllerRevision %s: %w", rev.Name, err)
		}
		toKill--
	}
	return nil
}
