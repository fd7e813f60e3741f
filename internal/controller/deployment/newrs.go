package deployment

import (
	"context"
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// replicaSetsAndSyncRevision splits rss into the new ReplicaSet (created
// when create is set and there is none) and the old ones, and brings the
// new ReplicaSet's annotations and the Deployment's revision up to date.
func (c *Controller) replicaSetsAndSyncRevision(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet, create bool) (*appsv1.ReplicaSet, []*appsv1.ReplicaSet, error) {
	oldRSs := findOldReplicaSets(d, rss)
	newRS, err := c.newReplicaSet(ctx, d, rss, oldRSs, create)
	if err != nil {
		return nil, nil, err
	}
	return newRS, oldRSs, nil
}

// newReplicaSet returns the ReplicaSet of d's current template. An
// existing one gets the next revision (a rollback brought it back) and d's
// annotations; otherwise, when create is set, it is created.
func (c *Controller) newReplicaSet(ctx context.Context, d *appsv1.Deployment, rss, oldRSs []*appsv1.ReplicaSet, create bool) (*appsv1.ReplicaSet, error) {
	newRevision := maxRevision(oldRSs) + 1
	if existing := findNewReplicaSet(d, rss); existing != nil {
		return c.syncExistingNewReplicaSet(ctx, d, existing, newRevision)
	}
	if !create {
		return nil, nil
	}
	return c.createNewReplicaSet(ctx, d, oldRSs, newRevision)
}

// syncExistingNewReplicaSet updates the ReplicaSet's annotations and
// minReadySeconds if needed (and stops there: the update wakes the
// Deployment again); otherwise it copies the ReplicaSet's revision to the
// Deployment and records FoundNewReplicaSet if no Progressing condition
// exists yet.
func (c *Controller) syncExistingNewReplicaSet(ctx context.Context, d *appsv1.Deployment, rs *appsv1.ReplicaSet, newRevision int64) (*appsv1.ReplicaSet, error) {
	rsCopy := rs.DeepCopy()
	annotationsChanged := setNewReplicaSetAnnotations(d, rsCopy, newRevision, true)
	if annotationsChanged || rsCopy.Spec.MinReadySeconds != d.Spec.MinReadySeconds {
		rsCopy.Spec.MinReadySeconds = d.Spec.MinReadySeconds
		updated, err := c.client.AppsV1().ReplicaSets(rsCopy.Namespace).Update(ctx, rsCopy, metav1.UpdateOptions{})
		if err != nil {
			return nil, fmt.Errorf("update ReplicaSet %s/%s: %w", rsCopy.Namespace, rsCopy.Name, err)
		}
		return updated, nil
	}
	needsUpdate := setDeploymentRevision(d, rsCopy.Annotations[RevisionAnnotation])
	if hasProgressDeadline(d) && getCondition(d.Status, appsv1.DeploymentProgressing) == nil {
		msg := fmt.Sprintf("Found new replica set %q", rsCopy.Name)
		setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonFoundNewRS, msg, c.clock.Now()))
		needsUpdate = true
	}
	if needsUpdate {
		if err := c.updateStatus(ctx, d); err != nil {
			return nil, err
		}
	}
	return rsCopy, nil
}

// buildNewReplicaSet is the ReplicaSet of d's current template: named
// after the template hash, which is added to its selector, labels and
// template labels, controlled by d, and sized by the strategy.
func buildNewReplicaSet(d *appsv1.Deployment, oldRSs []*appsv1.ReplicaSet, newRevision int64) (*appsv1.ReplicaSet, error) {
	template := d.Spec.Template.DeepCopy()
	hash := ComputeHash(&d.Spec.Template, d.Status.CollisionCount)
	template.Labels = withLabel(d.Spec.Template.Labels, appsv1.DefaultDeploymentUniqueLabelKey, hash)
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name:            d.Name + "-" + hash,
			Namespace:       d.Namespace,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(d, controllerKind)},
			Labels:          template.Labels,
		},
		Spec: appsv1.ReplicaSetSpec{
			Replicas:        ptr.To[int32](0),
			MinReadySeconds: d.Spec.MinReadySeconds,
			Selector:        selectorWithLabel(d.Spec.Selector, appsv1.DefaultDeploymentUniqueLabelKey, hash),
			Template:        *template,
		},
	}
	replicas, err := newRSNewReplicas(d, append(oldRSs, rs), rs)
	if err != nil {
		return nil, err
	}
	rs.Spec.Replicas = ptr.To(replicas)
	setNewReplicaSetAnnotations(d, rs, newRevision, false)
	return rs, nil
}

// createNewReplicaSet creates the new ReplicaSet. An existing object of
// that name that is d's and has d's template is taken as the new
// ReplicaSet (a cache lagging behind); any other is a hash collision:
// collisionCount is bumped so the next sync hashes to another name.
func (c *Controller) createNewReplicaSet(ctx context.Context, d *appsv1.Deployment, oldRSs []*appsv1.ReplicaSet, newRevision int64) (*appsv1.ReplicaSet, error) {
	rs, err := buildNewReplicaSet(d, oldRSs, newRevision)
	if err != nil {
		return nil, err
	}
	created, err := c.client.AppsV1().ReplicaSets(d.Namespace).Create(ctx, rs, metav1.CreateOptions{})
	alreadyExists := apierrors.IsAlreadyExists(err)
	switch {
	case alreadyExists:
		if created, err = c.resolveCollision(ctx, d, rs, err); err != nil {
			return nil, err
		}
	case apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause):
		return nil, err
	case err != nil:
		return nil, c.reportCreateFailure(ctx, d, rs.Name, err)
	}
	if !alreadyExists && rsReplicas(rs) > 0 {
		c.recorder.Eventf(d, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled up replica set %s to %d", created.Name, rsReplicas(rs))
	}
	needsUpdate := setDeploymentRevision(d, strconv.FormatInt(newRevision, 10))
	if !alreadyExists && hasProgressDeadline(d) {
		msg := fmt.Sprintf("Created new replica set %q", created.Name)
		setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonNewReplicaSet, msg, c.clock.Now()))
		needsUpdate = true
	}
	if needsUpdate {
		if err := c.updateStatus(ctx, d); err != nil {
			return nil, err
		}
	}
	return created, nil
}

// resolveCollision handles AlreadyExists for rs: the existing object is
// returned if it is d's new ReplicaSet; otherwise collisionCount is bumped
// and createErr returned so the Deployment is retried.
func (c *Controller) resolveCollision(ctx context.Context, d *appsv1.Deployment, rs *appsv1.ReplicaSet, createErr error) (*appsv1.ReplicaSet, error) {
	existing, err := c.rss.ReplicaSets(rs.Namespace).Get(rs.Name)
	if err != nil {
		return nil, fmt.Errorf("get existing ReplicaSet %s/%s: %w", rs.Namespace, rs.Name, err)
	}
	if ref := metav1.GetControllerOf(existing); ref != nil && ref.UID == d.UID && equalIgnoreHash(&d.Spec.Template, &existing.Spec.Template) {
		return existing, nil
	}
	d.Status.CollisionCount = ptr.To(ptr.Deref(d.Status.CollisionCount, 0) + 1)
	if err := c.updateStatus(ctx, d); err == nil {
		c.log.Info("hash collision, bumped collisionCount", "deployment", d.Namespace+"/"+d.Name, "collisionCount", *d.Status.CollisionCount)
	}
	return nil, createErr
}

// reportCreateFailure records Progressing=False ReplicaSetCreateError (if
// d has a deadline) and a warning event, and returns err.
func (c *Controller) reportCreateFailure(ctx context.Context, d *appsv1.Deployment, name string, err error) error {
	msg := fmt.Sprintf("Failed to create new replica set %q: %v", name, err)
	if hasProgressDeadline(d) {
		setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionFalse, ReasonFailedRSCreate, msg, c.clock.Now()))
		// The create error is the one worth reporting; a failed status
		// write only delays the condition.
		_ = c.updateStatus(ctx, d)
	}
	c.recorder.Event(d, corev1.EventTypeWarning, ReasonFailedRSCreate, msg)
	return fmt.Errorf("create ReplicaSet %s/%s: %w", d.Namespace, name, err)
}

// updateStatus writes d's status (and, since the status subresource keeps
// them, its annotations: that is how the revision reaches the Deployment)
// and refreshes d with the answer, so later writes of the same sync carry
// the new resourceVersion.
func (c *Controller) updateStatus(ctx context.Context, d *appsv1.Deployment) error {
	updated, err := c.client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("update status of Deployment %s/%s: %w", d.Namespace, d.Name, err)
	}
	*d = *updated
	return nil
}
