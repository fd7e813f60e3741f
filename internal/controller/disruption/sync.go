package disruption

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	pdbhelper "k8s.io/component-helpers/apps/poddisruptionbudget"
)

// sync brings one PDB's status up to date. A Conflict is returned as is, so
// the key is requeued and the next sync starts from the newer object (an
// eviction's decrement is never overwritten); any other failure is recorded
// on the PDB by failSafe.
func (c *Controller) sync(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return err
	}
	pdb, err := c.pdbs.PodDisruptionBudgets(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return nil // deleted: its status went with it
	}
	if err != nil {
		return err
	}
	err = c.trySync(ctx, pdb)
	if err == nil || apierrors.IsConflict(err) {
		return err
	}
	c.log.Warn("PodDisruptionBudget sync failed, setting disruptionsAllowed to 0", "pdb", key, "err", err)
	return c.failSafe(ctx, pdb, err)
}

func (c *Controller) trySync(ctx context.Context, pdb *policyv1.PodDisruptionBudget) error {
	pods, err := c.selectPods(pdb)
	if err != nil {
		c.recorder.Eventf(pdb, corev1.EventTypeWarning, "NoPods", "Failed to get pods: %v", err)
		return err
	}
	if len(pods) == 0 {
		c.recorder.Eventf(pdb, corev1.EventTypeNormal, "NoPods", "No matching pods found")
	}
	e, err := c.expect(ctx, pdb, pods)
	if err != nil {
		c.recorder.Eventf(pdb, corev1.EventTypeWarning, "CalculateExpectedPodCountFailed", "Failed to calculate the number of expected pods: %v", err)
		return err
	}
	if len(e.unmanaged) > 0 {
		// Upstream reports and carries on rather than failing and hot-looping.
		c.recorder.Eventf(pdb, corev1.EventTypeWarning, "UnmanagedPods", "Pods selected by this PodDisruptionBudget (selector: %v) were found "+
			"to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. "+
			"To account for these pods please set \".spec.minAvailable\" "+
			"field of the PDB to an integer value.", pdb.Spec.Selector)
	}
	now := c.clock.Now()
	disrupted, recheck := c.pendingDisruptions(pdb, pods, now)
	healthy := countHealthy(pods, disrupted, now)
	if err := c.updateStatus(ctx, pdb, healthy, e, disrupted, now); err != nil {
		return err
	}
	if !recheck.IsZero() {
		// The delaying queue keeps only the earliest time per key.
		c.recheckQueue.AddAfter(cache.MetaObjectToName(pdb).String(), recheck.Sub(now))
	}
	return nil
}

// selectPods lists the pods of the PDB's namespace its selector matches,
// terminating, unready and terminal ones included. A nil selector matches
// nothing, {} matches everything (policy/v1); the v1beta1 "match none"
// sentinel (an Exists on a label nobody sets) falls out of the same rule.
func (c *Controller) selectPods(pdb *policyv1.PodDisruptionBudget) ([]*corev1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	if err != nil {
		return nil, err
	}
	return c.pods.Pods(pdb.Namespace).List(sel)
}

// updateStatus writes the computed status unless the stored one already
// says the same. It sends the cached resourceVersion and does not retry: a
// Conflict goes back to the queue.
func (c *Controller) updateStatus(ctx context.Context, pdb *policyv1.PodDisruptionBudget, healthy int32, e expectation,
	disrupted map[string]metav1.Time, now time.Time) error {
	// expected > 0 keeps a budget whose first pods just appeared safe until
	// it has been computed over them.
	allowed := healthy - e.desired
	if e.expected <= 0 || allowed <= 0 {
		allowed = 0
	}
	s := pdb.Status
	if s.CurrentHealthy == healthy && s.DesiredHealthy == e.desired && s.ExpectedPods == e.expected &&
		s.DisruptionsAllowed == allowed && apiequality.Semantic.DeepEqual(s.DisruptedPods, disrupted) &&
		s.ObservedGeneration == pdb.Generation && pdbhelper.ConditionsAreUpToDate(pdb) {
		return nil
	}
	next := pdb.DeepCopy()
	next.Status = policyv1.PodDisruptionBudgetStatus{
		ObservedGeneration: pdb.Generation,
		DisruptedPods:      disrupted,
		DisruptionsAllowed: allowed,
		CurrentHealthy:     healthy,
		DesiredHealthy:     e.desired,
		ExpectedPods:       e.expected,
		Conditions:         next.Status.Conditions,
	}
	setDisruptionAllowed(next, now)
	return c.writeStatus(ctx, next)
}

// failSafe records err on the PDB and closes the budget: disruptionsAllowed
// 0 and DisruptionAllowed=False/SyncFailed, every other status field as it
// was. When that write succeeds the original error is swallowed (no
// requeue); later pod or PDB events sync it again.
func (c *Controller) failSafe(ctx context.Context, pdb *policyv1.PodDisruptionBudget, err error) error {
	next := pdb.DeepCopy()
	next.Status.DisruptionsAllowed = 0
	setCondition(next, metav1.Condition{
		Type:               policyv1.DisruptionAllowedCondition,
		Status:             metav1.ConditionFalse,
		Reason:             policyv1.SyncFailedReason,
		Message:            err.Error(),
		ObservedGeneration: next.Status.ObservedGeneration,
	}, c.clock.Now())
	return c.writeStatus(ctx, next)
}

func (c *Controller) writeStatus(ctx context.Context, pdb *policyv1.PodDisruptionBudget) error {
	_, err := c.client.PolicyV1().PodDisruptionBudgets(pdb.Namespace).UpdateStatus(ctx, pdb, metav1.UpdateOptions{})
	return err
}
