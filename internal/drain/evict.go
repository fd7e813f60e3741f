package drain

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	policyv1beta1 "k8s.io/api/policy/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
)

// podEviction is one pod's way out: evict (paced, retried), then wait
// until its UID is gone.
type podEviction struct {
	d      *Drainer
	node   string
	pod    *corev1.Pod
	how    method
	pace   *budgets // nil: no pacing
	watch  *nodePods
	report *PodReport
	// blockedBy is the budget refusing the pod right now, "" when none.
	blockedBy string
}

func (e *podEviction) key() string { return e.pod.Namespace + "/" + e.pod.Name }

func (e *podEviction) event(typ EventType, msg string) {
	e.d.obs.observe(Event{Time: e.d.clock.Now(), Type: typ, Node: e.node, Pod: e.key(), Message: msg})
}

func (e *podEviction) run(ctx context.Context) {
	*e.report = PodReport{Namespace: e.pod.Namespace, Name: e.pod.Name, UID: string(e.pod.UID), Method: e.how.String()}
	if !e.evict(ctx) {
		return
	}
	if e.d.opts.DryRun == DryRunServer {
		e.report.Outcome = PodOutcomeDryRun
		return
	}
	e.waitGone(ctx)
}

// evict sends the eviction until the server accepts it; false means the
// pod's report is final already (gone, failed, timed out).
func (e *podEviction) evict(ctx context.Context) bool {
	delay := e.d.opts.MinRetryDelay
	for {
		tok, err := e.takeBudget(ctx)
		if err != nil {
			e.end(ctx, err)
			return false
		}
		e.report.Attempts++
		e.event(PodEvicting, "")
		err = e.send(ctx)
		if e.pace != nil {
			e.pace.give(tok, err == nil)
		}
		var wait <-chan struct{}
		switch {
		case err == nil:
			e.blockedBy = ""
			now := e.d.clock.Now()
			e.report.EvictedAt = &now
			e.event(PodEvicted, "")
			return true
		case apierrors.IsNotFound(err):
			e.gone("already gone")
			return false
		case apierrors.IsTooManyRequests(err):
			wait = e.tooMany(ctx, err, &delay)
		case apierrors.IsForbidden(err) && apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause):
			if e.pod.DeletionTimestamp != nil {
				return true // it will never be evicted, only waited for
			}
			wait = e.after(ctx, delay)
		default:
			e.fail(err)
			return false
		}
		if err := e.sleep(ctx, wait); err != nil {
			e.end(ctx, err)
			return false
		}
		if e.watch != nil {
			pod, ok := e.watch.current(e.pod.Namespace, e.pod.Name, e.pod.UID)
			if !ok {
				e.gone("")
				return false
			}
			e.pod = pod
		}
	}
}

// takeBudget waits for the one budget covering a Ready pod to allow a
// disruption. Unready pods are not paced: the server may let them go
// without spending the budget.
func (e *podEviction) takeBudget(ctx context.Context) (*token, error) {
	if e.pace == nil || !isReady(e.pod) {
		return nil, nil
	}
	covering := e.pace.covering(e.pod)
	if len(covering) != 1 {
		return nil, nil // none, or several: the server answers 500
	}
	key, _ := cache.MetaNamespaceKeyFunc(covering[0])
	return e.pace.take(ctx, key, func(pdb *policyv1.PodDisruptionBudget) {
		e.block(key, e.d.waitReason(ctx, pdb))
	})
}

// tooMany handles a 429: Retry-After is honoured as the server asks; a
// budget's refusal waits with back-off, or until a budget change.
func (e *podEviction) tooMany(ctx context.Context, err error, delay *time.Duration) <-chan struct{} {
	now := e.d.clock.Now()
	e.report.TooManyRequests++
	if e.report.First429 == nil {
		e.report.First429 = &now
	}
	e.report.Last429 = &now
	if secs, ok := apierrors.SuggestsClientDelay(err); ok && !apierrors.HasStatusCause(err, policyv1.DisruptionBudgetCause) {
		return e.after(ctx, time.Duration(secs)*time.Second)
	}
	if secs, ok := apierrors.SuggestsClientDelay(err); ok {
		// A budget not yet processed: the server says when to come back.
		key := e.budgetKey()
		reason := fmt.Sprintf("%s (the server asks to retry in %ds)", errorCause(err), secs)
		if key != "" {
			reason = "PodDisruptionBudget " + key + ": " + reason
		}
		e.block(key, reason)
		return e.after(ctx, time.Duration(secs)*time.Second)
	}
	key := e.budgetKey()
	e.block(key, e.d.describe(ctx, key, errorCause(err)))
	wait := e.after(ctx, *delay)
	*delay = min(2**delay, e.d.opts.MaxRetryDelay)
	if e.pace == nil {
		return wait
	}
	// Whichever comes first: the back-off, or a change of any budget.
	changed := e.pace.waitChange()
	merged := make(chan struct{})
	go func() {
		defer close(merged)
		select {
		case <-wait:
		case <-changed:
		case <-ctx.Done():
		}
	}()
	return merged
}

// budgetKey names the one budget covering the pod, "" if not exactly one.
func (e *podEviction) budgetKey() string {
	if e.pace == nil {
		return ""
	}
	covering := e.pace.covering(e.pod)
	if len(covering) != 1 {
		return ""
	}
	key, _ := cache.MetaNamespaceKeyFunc(covering[0])
	return key
}

// block records that budget key holds the pod back, and why.
func (e *podEviction) block(key, reason string) {
	if e.blockedBy == key && e.report.BlockReason == reason {
		return
	}
	e.blockedBy = key
	if key != "" {
		e.report.BlockingPDB = key
	}
	e.report.BlockReason = reason
	e.event(PodBlocked, reason)
}

// after returns a channel closed after d, or when ctx ends.
func (e *podEviction) after(ctx context.Context, d time.Duration) <-chan struct{} {
	ch := make(chan struct{})
	t := e.d.clock.NewTimer(d)
	go func() {
		defer close(ch)
		defer t.Stop()
		select {
		case <-t.C():
		case <-ctx.Done():
		}
	}()
	return ch
}

func (e *podEviction) sleep(ctx context.Context, wait <-chan struct{}) error {
	<-wait
	return ctx.Err()
}

// send evicts (or deletes) the pod once. The eviction is sent with
// client-go's own Retry-After retries off, so every 429 is seen, counted
// and waited for here.
func (e *podEviction) send(ctx context.Context) error {
	opts := e.d.deleteOptions()
	ns, name := e.pod.Namespace, e.pod.Name
	meta := metav1.ObjectMeta{Name: name, Namespace: ns}
	var body runtime.Object
	var rc rest.Interface
	switch e.how.eviction {
	case schemaEmpty:
		return e.d.client.CoreV1().Pods(ns).Delete(ctx, name, opts)
	case policyv1.SchemeGroupVersion:
		body, rc = &policyv1.Eviction{ObjectMeta: meta, DeleteOptions: &opts}, e.d.client.PolicyV1().RESTClient()
	default:
		body, rc = &policyv1beta1.Eviction{ObjectMeta: meta, DeleteOptions: &opts}, e.d.client.PolicyV1beta1().RESTClient()
	}
	return rc.Post().AbsPath("/api/v1/namespaces", ns, "pods", name, "eviction").MaxRetries(0).Body(body).Do(ctx).Error()
}

// deleteOptions are kubectl's: the grace if set, dryRun=All for a server
// dry run.
func (d *Drainer) deleteOptions() metav1.DeleteOptions {
	var opts metav1.DeleteOptions
	if d.opts.GracePeriodSeconds >= 0 {
		grace := int64(d.opts.GracePeriodSeconds)
		opts.GracePeriodSeconds = &grace
	}
	if d.opts.DryRun == DryRunServer {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	return opts
}

// waitGone waits until the pod's UID no longer exists, or it has been
// deleting for longer than --skip-wait-for-delete-timeout.
func (e *podEviction) waitGone(ctx context.Context) {
	gone := e.watch.goneCh(e.pod.Namespace, e.pod.Name, e.pod.UID)
	var tick <-chan time.Time
	if e.d.opts.SkipWaitForDeleteTimeoutSeconds > 0 {
		t := e.d.clock.NewTicker(time.Second)
		defer t.Stop()
		tick = t.C()
	}
	for {
		select {
		case <-gone:
			e.gone("")
			return
		case <-tick:
			if e.skipWait() {
				return
			}
		case <-ctx.Done():
			e.end(ctx, ctx.Err())
			return
		}
	}
}

// skipWait is kubectl's rule: stop waiting for a pod whose
// deletionTimestamp is more than the timeout's seconds in the past.
func (e *podEviction) skipWait() bool {
	pod, ok := e.watch.current(e.pod.Namespace, e.pod.Name, e.pod.UID)
	if !ok || pod.DeletionTimestamp == nil {
		return false
	}
	if int(e.d.clock.Since(pod.DeletionTimestamp.Time).Seconds()) <= e.d.opts.SkipWaitForDeleteTimeoutSeconds {
		return false
	}
	e.report.Outcome = PodOutcomeSkipped
	e.event(PodDeleted, "deletionTimestamp older than the skip-wait-for-delete timeout; not waiting")
	return true
}

func (e *podEviction) gone(msg string) {
	now := e.d.clock.Now()
	e.report.DeletedAt, e.report.Outcome = &now, PodOutcomeDeleted
	e.event(PodDeleted, msg)
}

func (e *podEviction) fail(err error) {
	e.report.Outcome, e.report.Error = PodOutcomeFailed, err.Error()
	e.event(PodFailed, e.report.Error)
}

// end records why the pod's context ended: the node's timeout while a
// budget refused the pod, the timeout while waiting, or cancellation.
func (e *podEviction) end(ctx context.Context, err error) {
	switch {
	case !errors.Is(context.Cause(ctx), errTimeout):
		e.fail(err)
	case e.blockedBy != "" || (e.report.EvictedAt == nil && e.report.BlockReason != ""):
		e.report.Outcome = PodOutcomeBlocked
		e.report.Error = "timed out while blocked: " + e.d.describe(context.WithoutCancel(ctx), e.blockedBy, e.report.BlockReason)
		e.report.BlockReason = e.report.Error[len("timed out while blocked: "):]
		e.event(PodFailed, e.report.Error)
	default:
		e.report.Outcome, e.report.Error = PodOutcomeTimedOut, "timed out waiting for the pod to be deleted"
		if e.report.EvictedAt == nil {
			e.report.Error = "timed out before the eviction was accepted"
		}
		e.event(PodFailed, e.report.Error)
	}
}

// errorCause is the first cause's message of an API error, else its text.
func errorCause(err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		if d := status.Status().Details; d != nil && len(d.Causes) > 0 {
			return d.Causes[0].Message
		}
	}
	return err.Error()
}
