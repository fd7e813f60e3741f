package eviction

import (
	"context"
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/registry/poddisruptionbudget"
	"github.com/evictd/evictd/internal/registry/store"
)

// Request is one eviction after its body was decoded and checked.
type Request struct {
	Namespace, Name string
	// Options are the Eviction's deleteOptions with the dry-run merge
	// already applied (never nil).
	Options *metav1.DeleteOptions
	// FieldManager names the writer of the pod's DisruptionTarget condition
	// and of the PDB status.
	FieldManager string
}

func (r *Request) dryRun() bool { return len(r.Options.DryRun) > 0 }

// Evict decides an eviction and carries it out: nil means the pod was
// evicted (or would be, in a dry run); errors are StatusErrors (404, 409,
// 429, 403, 500) as kube-apiserver answers them.
func (e *Evictor) Evict(ctx context.Context, req *Request) error {
	pdb, err := e.evict(ctx, req)
	e.logDecision(ctx, req, pdb, err)
	return err
}

// evict is Evict's decision; pdb names the budget that decided, if any.
func (e *Evictor) evict(ctx context.Context, req *Request) (pdbName string, err error) {
	pod, done, err := e.bypass(ctx, req)
	if done || err != nil {
		return "", err
	}
	pdb, err := e.matchingPDB(ctx, pod)
	if err != nil || pdb == nil {
		if err == nil {
			err = e.addConditionAndDelete(ctx, req, pod.Name, req.Options)
		}
		return "", err
	}
	if !podReady(pod) && skipBudget(pdb) {
		return pdb.Name, e.evictUnhealthy(ctx, req, pod, pdb.Name)
	}
	if err := e.consumeBudget(ctx, req, pod, pdb); err != nil {
		return pdb.Name, err
	}
	return pdb.Name, e.addConditionAndDelete(ctx, req, pod.Name, req.Options)
}

// bypass is Phase A: Pending, terminal and already-deleting pods are
// deleted without looking at budgets. Pending pods are deleted with a
// resourceVersion precondition, so a pod that turns Running meanwhile is
// re-read and goes through the budget. done reports the eviction finished.
func (e *Evictor) bypass(ctx context.Context, req *Request) (pod *corev1.Pod, done bool, err error) {
	clientRV := hasRV(req.Options)
	steps := e.backoff
	if clientRV {
		steps.Steps = 1 // the client pinned the version: no retries
	}
	for {
		obj, err := e.pods.Get(ctx, req.Namespace, req.Name)
		if err != nil {
			return nil, true, err
		}
		pod = obj.(*corev1.Pod)
		if !canIgnorePDB(pod) {
			return pod, false, nil
		}
		opts := req.Options
		if needsRV(pod) && !clientRV {
			opts = opts.DeepCopy()
			opts.Preconditions = withRV(opts.Preconditions, pod.ResourceVersion)
		}
		err = e.addConditionAndDelete(ctx, req, pod.Name, opts)
		if !apierrors.IsConflict(err) {
			return nil, true, err
		}
		if steps.Steps <= 1 {
			return nil, true, err
		}
		e.clock.Sleep(steps.Step())
	}
}

// matchingPDB is Phase B: the one budget selecting the pod, nil for none,
// a 500 for several.
func (e *Evictor) matchingPDB(ctx context.Context, pod *corev1.Pod) (*policyv1.PodDisruptionBudget, error) {
	// A live read, as upstream's loopback LIST; the decoded budgets are
	// shared between requests, so the one used is copied.
	list, err := e.pdbs.ListShared(ctx, pod.Namespace)
	if err != nil {
		return nil, err
	}
	var matched []*policyv1.PodDisruptionBudget
	for _, obj := range list {
		if pdb := obj.(*policyv1.PodDisruptionBudget); poddisruptionbudget.Matches(pdb, pod) {
			matched = append(matched, pdb)
		}
	}
	switch len(matched) {
	case 0:
		return nil, nil
	case 1:
		return matched[0].DeepCopy(), nil
	}
	return nil, multiplePDBs()
}

// skipBudget is Phase C's rule for a pod that is not Ready: unhealthy pods
// are already disrupted when the policy says AlwaysAllow, or when the
// budget is met.
func skipBudget(pdb *policyv1.PodDisruptionBudget) bool {
	if p := pdb.Spec.UnhealthyPodEvictionPolicy; p != nil && *p == policyv1.AlwaysAllow {
		return true
	}
	return pdb.Status.CurrentHealthy >= pdb.Status.DesiredHealthy && pdb.Status.DesiredHealthy > 0
}

// evictUnhealthy deletes an unready pod without touching the budget, pinned
// to the version read: if the pod changed (it may have become Ready), the
// client is told to retry.
func (e *Evictor) evictUnhealthy(ctx context.Context, req *Request, pod *corev1.Pod, pdbName string) error {
	opts := req.Options.DeepCopy()
	opts.Preconditions = withRV(opts.Preconditions, pod.ResourceVersion)
	err := e.addConditionAndDelete(ctx, req, pod.Name, opts)
	if apierrors.IsConflict(err) && !hasRV(req.Options) {
		return stillProcessing(pdbName)
	}
	return err
}

// consumeBudget is Phase D: check the budget and record the disruption in
// a compare-and-swap on the PDB's status.
//
// Upstream's first attempt decides on the listed budget, so a refusal is
// answered from it at once, as upstream does, and so is a dry run, which
// writes nothing. The write itself goes through the budget's lane (lanes):
// only one write of this server is in flight per budget, it carries every
// eviction of that budget queued meanwhile, and it decides them in order
// on the status read afresh, so a compare-and-swap can only lose to a
// writer outside this server's evictions (the disruption controller,
// another API server, a client). Such a loss is retried at once when the
// winner left the decision inputs unchanged (decisionInputs), and after
// one step of upstream's back-off, outside the lane, otherwise. Every
// attempt counts towards upstream's limit (EvictionsRetry.Steps), after
// which the conflict is returned, as upstream does.
func (e *Evictor) consumeBudget(ctx context.Context, req *Request, pod *corev1.Pod, listed *policyv1.PodDisruptionBudget) error {
	if err := checkBudget(listed); err != nil {
		return err
	}
	if req.dryRun() {
		return nil
	}
	key := listed.Namespace + "/" + listed.Name
	backoff := e.backoff
	tries := &attempts{max: backoff.Steps}
	// A batch is every queued eviction's: the end of the leading request
	// must not fail the others' write.
	writeCtx := context.WithoutCancel(ctx)
	write := func(batch []*ask) error { return e.writeBatch(writeCtx, listed.Namespace, listed.Name, batch) }
	for {
		err := e.lanes.consume(key, &ask{pod: pod.Name, manager: req.FieldManager, tries: tries}, write)
		if !errors.Is(err, errPDBConflict) {
			return err
		}
		if tries.done >= tries.max {
			return apierrors.NewConflict(pdbResource, listed.Name, errors.New("the object has been modified; please apply your changes to the latest version and try again"))
		}
		e.clock.Sleep(backoff.Step())
	}
}

// attempts counts one eviction's compare-and-swaps on its budget.
type attempts struct {
	done, max int
}

// errPDBConflict marks a lost compare-and-swap on the PDB status that is
// to be retried after a back-off step (or answered with a 409 once the
// attempts are used up).
var errPDBConflict = errors.New("pdb status conflict")

// errNothingToWrite ends a batch whose evictions were all refused.
var errNothingToWrite = errors.New("no eviction of the batch consumes the budget")

// writeBatch decides the evictions of batch in order on the budget as
// stored now — each on the status its predecessors left, exactly as if
// each had written alone — and writes the result once, setting every
// ask's answer. The store calls the update function again only when its
// compare-and-swap lost to another writer; the function then either
// decides the batch again at once on the winner's status, or gives up
// with errPDBConflict.
func (e *Evictor) writeBatch(ctx context.Context, namespace, name string, batch []*ask) error {
	var tried *decisionInputs
	_, _, err := e.pdbs.Update(ctx, namespace, name, func(current runtime.Object) (runtime.Object, error) {
		if current == nil {
			return nil, apierrors.NewNotFound(pdbResource, name)
		}
		pdb := current.(*policyv1.PodDisruptionBudget)
		in := inputsOf(pdb)
		if tried != nil && (in != *tried || exhausted(batch)) {
			return nil, errPDBConflict
		}
		tried = &in
		now := e.clock.Now()
		consumed := false
		for _, a := range batch {
			a.tries.done++
			if a.err = checkBudget(pdb); a.err != nil {
				continue
			}
			consumed = true
			pdb.Status.DisruptionsAllowed--
			if pdb.Status.DisruptionsAllowed == 0 {
				setInsufficientPods(pdb, now)
			}
			if pdb.Status.DisruptedPods == nil {
				pdb.Status.DisruptedPods = map[string]metav1.Time{}
			}
			pdb.Status.DisruptedPods[a.pod] = metav1.NewTime(now)
		}
		if !consumed {
			return nil, errNothingToWrite
		}
		return pdb, nil
	}, store.UpdateOptions{Subresource: "status", FieldManager: batch[0].manager})
	switch {
	case errors.Is(err, errNothingToWrite):
		return nil // every ask holds its refusal
	case apierrors.IsConflict(err):
		return errPDBConflict
	}
	return err
}

// exhausted reports whether an eviction of batch has used its attempts.
func exhausted(batch []*ask) bool {
	for _, a := range batch {
		if a.tries.done >= a.tries.max {
			return true
		}
	}
	return false
}

// decisionInputs are the parts of a budget that decide whether an
// eviction may consume it (checkBudget): a conflicting write that changed
// none of them leaves the decision as it was, so the eviction retries at
// once; any other change is waited out with upstream's back-off.
type decisionInputs struct {
	generation, observedGeneration int64
	disruptionsAllowed             int32
	tooManyDisrupted               bool
}

func inputsOf(pdb *policyv1.PodDisruptionBudget) decisionInputs {
	return decisionInputs{
		generation:         pdb.Generation,
		observedGeneration: pdb.Status.ObservedGeneration,
		disruptionsAllowed: pdb.Status.DisruptionsAllowed,
		tooManyDisrupted:   len(pdb.Status.DisruptedPods) > MaxDisruptedPodSize,
	}
}

// checkBudget runs the checks of Phase D in upstream's order.
func checkBudget(pdb *policyv1.PodDisruptionBudget) error {
	switch {
	case pdb.Status.ObservedGeneration < pdb.Generation:
		return stillProcessing(pdb.Name)
	case pdb.Status.DisruptionsAllowed < 0:
		return forbidden(pdb.Name, "pdb disruptions allowed is negative")
	case len(pdb.Status.DisruptedPods) > MaxDisruptedPodSize:
		return forbidden(pdb.Name, "DisruptedPods map too big - too many evictions not confirmed by PDB controller")
	case pdb.Status.DisruptionsAllowed == 0:
		return budgetExhausted(pdb)
	}
	return nil
}

// setInsufficientPods flips DisruptionAllowed to False/InsufficientPods as
// upstream's condition helper does, keeping lastTransitionTime when the
// status did not change.
func setInsufficientPods(pdb *policyv1.PodDisruptionBudget, now time.Time) {
	cond := metav1.Condition{
		Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionFalse,
		Reason: policyv1.InsufficientPodsReason, ObservedGeneration: pdb.Status.ObservedGeneration,
		LastTransitionTime: metav1.NewTime(now),
	}
	for i := range pdb.Status.Conditions {
		c := &pdb.Status.Conditions[i]
		if c.Type != cond.Type {
			continue
		}
		if c.Status == cond.Status {
			cond.LastTransitionTime = c.LastTransitionTime
		}
		*c = cond
		return
	}
	pdb.Status.Conditions = append(pdb.Status.Conditions, cond)
}

// canIgnorePDB: pods that are not running (or already going) are not
// protected by budgets.
func canIgnorePDB(pod *corev1.Pod) bool {
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed, corev1.PodPending:
		return true
	}
	return pod.DeletionTimestamp != nil
}

// needsRV: a bypassing pod that could still become Running (Pending, not
// deleting) is deleted only at the version read.
func needsRV(pod *corev1.Pod) bool {
	terminal := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
	return !terminal && pod.DeletionTimestamp == nil
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func hasRV(opts *metav1.DeleteOptions) bool {
	return opts.Preconditions != nil && opts.Preconditions.ResourceVersion != nil
}

// withRV returns preconditions with resourceVersion set to rv, keeping uid.
func withRV(p *metav1.Preconditions, rv string) *metav1.Preconditions {
	out := &metav1.Preconditions{ResourceVersion: &rv}
	if p != nil {
		out.UID = p.UID
	}
	return out
}
