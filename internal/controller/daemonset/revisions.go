package daemonset

import (
	"context"
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/evictd/evictd/internal/controller/ownership"
)

// constructHistory is upstream's: it splits the set's revisions into the
// one recording the current template (created if missing, renumbered to
// be the newest) and the old ones.
func (c *Controller) constructHistory(ctx context.Context, set *appsv1.DaemonSet, m *ownership.Manager) (cur *appsv1.ControllerRevision, old []*appsv1.ControllerRevision, err error) {
	revisions, err := c.claimRevisions(ctx, set, m)
	if err != nil {
		return nil, nil, err
	}
	var current []*appsv1.ControllerRevision
	for _, rev := range revisions {
		found, err := matches(set, rev)
		if err != nil {
			return nil, nil, err
		}
		if found {
			current = append(current, rev)
		} else {
			old = append(old, rev)
		}
	}
	next := int64(1)
	for _, rev := range old {
		next = max(next, rev.Revision+1)
	}
	if len(current) == 0 {
		cur, err = c.snapshot(ctx, set, next)
		return cur, old, err
	}
	cur, err = c.dedupCurrent(ctx, set, current)
	if err != nil || cur.Revision >= next {
		return cur, old, err
	}
	renumbered := cur.DeepCopy()
	renumbered.Revision = next
	if cur, err = c.client.AppsV1().ControllerRevisions(set.Namespace).Update(ctx, renumbered, metav1.UpdateOptions{}); err != nil {
		return nil, nil, fmt.Errorf("renumber ControllerRevision %s: %w", renumbered.Name, err)
	}
	return cur, old, nil
}

// claimRevisions returns the set's revisions after adoption and release.
func (c *Controller) claimRevisions(ctx context.Context, set *appsv1.DaemonSet, m *ownership.Manager) ([]*appsv1.ControllerRevision, error) {
	all, err := c.revisions.ControllerRevisions(set.Namespace).List(everything)
	if err != nil {
		return nil, fmt.Errorf("list ControllerRevisions: %w", err)
	}
	revisions, err := ownership.Claim(ctx, m, all)
	if err != nil {
		return nil, fmt.Errorf("claim ControllerRevisions of DaemonSet %s/%s: %w", set.Namespace, set.Name, err)
	}
	return revisions, nil
}

// patchRevisions is the ownership PatchFunc for ControllerRevisions.
func (c *Controller) patchRevisions(ctx context.Context, namespace, name string, patch []byte) error {
	_, err := c.client.AppsV1().ControllerRevisions(namespace).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	return err
}

// snapshot creates the revision of the current template. A name taken by
// another template is a hash collision: the set's collision count is
// raised and the sync retried.
func (c *Controller) snapshot(ctx context.Context, set *appsv1.DaemonSet, revision int64) (*appsv1.ControllerRevision, error) {
	rev, err := newRevision(set, revision)
	if err != nil {
		return nil, err
	}
	revs := c.client.AppsV1().ControllerRevisions(set.Namespace)
	created, err := revs.Create(ctx, rev, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		if err != nil {
			return nil, fmt.Errorf("create ControllerRevision %s: %w", rev.Name, err)
		}
		return created, nil
	}
	existing, getErr := revs.Get(ctx, rev.Name, metav1.GetOptions{})
	if getErr != nil {
		return nil, fmt.Errorf("get ControllerRevision %s: %w", rev.Name, getErr)
	}
	if same, _ := matches(set, existing); same {
		return existing, nil
	}
	return nil, c.bumpCollisionCount(ctx, set, err)
}

// dedupCurrent keeps the highest-numbered of several revisions recording
// the current template, relabels the pods of the others with its hash and
// deletes them.
func (c *Controller) dedupCurrent(ctx context.Context, set *appsv1.DaemonSet, current []*appsv1.ControllerRevision) (*appsv1.ControllerRevision, error) {
	if len(current) == 1 {
		return current[0], nil
	}
	keep := slices.MaxFunc(current, func(a, b *appsv1.ControllerRevision) int { return int(a.Revision - b.Revision) })
	hash := keep.Labels[appsv1.DefaultDaemonSetUniqueLabelKey]
	pods, err := c.claimedPods(ctx, set)
	if err != nil {
		return nil, err
	}
	for _, rev := range current {
		if rev == keep {
			continue
		}
		if err := c.relabel(ctx, pods, rev.Labels[appsv1.DefaultDaemonSetUniqueLabelKey], hash); err != nil {
			return nil, err
		}
		err := c.client.AppsV1().ControllerRevisions(set.Namespace).Delete(ctx, rev.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("delete duplicate ControllerRevision %s: %w", rev.Name, err)
		}
	}
	return keep, nil
}
