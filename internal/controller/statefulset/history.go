package statefulset

import (
	"context"
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/evictd/evictd/internal/controller/ownership"
)

// sortRevisions orders revisions by revision number, then creation time,
// then name, as upstream's history.SortControllerRevisions.
func sortRevisions(revisions []*appsv1.ControllerRevision) {
	slices.SortStableFunc(revisions, func(a, b *appsv1.ControllerRevision) int {
		if a.Revision != b.Revision {
			return int(a.Revision - b.Revision)
		}
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.CreationTimestamp.Compare(b.CreationTimestamp.Time)
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// claimRevisions returns the set's revisions, adopting orphans its selector
// matches (upstream's adoptOrphanRevisions, with the same live check that
// the set is not being deleted).
func (c *Controller) claimRevisions(ctx context.Context, set *appsv1.StatefulSet, selector labels.Selector, m *ownership.Manager) ([]*appsv1.ControllerRevision, error) {
	all, err := c.revisions.ControllerRevisions(set.Namespace).List(selector)
	if err != nil {
		return nil, fmt.Errorf("list ControllerRevisions: %w", err)
	}
	var mine []*appsv1.ControllerRevision
	for _, rev := range all {
		ref := metav1.GetControllerOfNoCopy(rev)
		switch {
		case ref == nil:
			if err := m.Adopt(ctx, rev); err != nil {
				return nil, fmt.Errorf("adopt ControllerRevision: %w", err)
			}
			mine = append(mine, rev)
		case ref.UID == set.UID:
			mine = append(mine, rev)
		}
	}
	sortRevisions(mine)
	return mine, nil
}

// patchRevisions is the ownership PatchFunc for ControllerRevisions.
func (c *Controller) patchRevisions(ctx context.Context, namespace, name string, patch []byte) error {
	_, err := c.client.AppsV1().ControllerRevisions(namespace).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	return err
}

// revisionsFor is upstream's getStatefulSetRevisions: the update revision
// is the one recording the set's template — the newest revision if it
// already does, an older equal one renumbered as newest (a rollback), or a
// new one. The current revision is status.currentRevision if it still
// exists, else the update revision. It returns the collision count to
// report.
func (c *Controller) revisionsFor(ctx context.Context, set *appsv1.StatefulSet, revisions []*appsv1.ControllerRevision) (current, update *appsv1.ControllerRevision, collisionCount int32, err error) {
	if set.Status.CollisionCount != nil {
		collisionCount = *set.Status.CollisionCount
	}
	update, err = newRevision(set, nextRevision(revisions), &collisionCount)
	if err != nil {
		return nil, nil, collisionCount, err
	}
	var equal []*appsv1.ControllerRevision
	for _, rev := range revisions {
		if equalRevision(rev, update) {
			equal = append(equal, rev)
		}
	}
	switch {
	case len(equal) > 0 && equalRevision(revisions[len(revisions)-1], equal[len(equal)-1]):
		update = revisions[len(revisions)-1]
	case len(equal) > 0:
		update, err = c.renumberRevision(ctx, equal[len(equal)-1], update.Revision)
	default:
		update, err = c.createRevision(ctx, set, update, &collisionCount)
	}
	if err != nil {
		return nil, nil, collisionCount, err
	}
	current = update
	for _, rev := range revisions {
		if rev.Name == set.Status.CurrentRevision {
			current = rev
			break
		}
	}
	return current, update, collisionCount, nil
}

// createRevision creates rev, renaming it with the next collision count
// whenever a revision of that name with other data exists (upstream's
// CreateControllerRevision; the hash label keeps the first hash, as there).
func (c *Controller) createRevision(ctx context.Context, set *appsv1.StatefulSet, rev *appsv1.ControllerRevision, collisionCount *int32) (*appsv1.ControllerRevision, error) {
	clone := rev.DeepCopy()
	revs := c.client.AppsV1().ControllerRevisions(set.Namespace)
	for {
		clone.Name = revisionName(set.Name, hashRevision(rev.Data.Raw, collisionCount))
		created, err := revs.Create(ctx, clone, metav1.CreateOptions{})
		if !apierrors.IsAlreadyExists(err) {
			if err != nil {
				return nil, fmt.Errorf("create ControllerRevision %s: %w", clone.Name, err)
			}
			return created, nil
		}
		exists, err := revs.Get(ctx, clone.Name, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("get colliding ControllerRevision %s: %w", clone.Name, err)
		}
		if equalRevision(exists, clone) {
			return exists, nil
		}
		*collisionCount++
	}
}

// renumberRevision gives an existing revision a new number.
func (c *Controller) renumberRevision(ctx context.Context, rev *appsv1.ControllerRevision, revision int64) (*appsv1.ControllerRevision, error) {
	clone := rev.DeepCopy()
	clone.Revision = revision
	updated, err := c.client.AppsV1().ControllerRevisions(rev.Namespace).Update(ctx, clone, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("renumber ControllerRevision %s: %w", rev.Name, err)
	}
	return updated, nil
}
