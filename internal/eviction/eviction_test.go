package eviction

import (
	"context"
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/evictd/evictd/internal/registry/store"
)

// want is the outcome of one eviction.
type want struct {
	code        int32  // 0 for success
	message     string // substring of the Status message
	cause       string // exact DisruptionBudget cause message, if any
	retryAfter  int32
	podGone     bool
	podDeleting bool // deletionTimestamp set, pod kept
}

func check(t *testing.T, e *env, err error, w want, podName string) {
	t.Helper()
	if w.code == 0 {
		if err != nil {
			t.Fatalf("evict: %v, want success", err)
		}
	} else {
		st := toStatus(t, err)
		if st.Code != w.code {
			t.Fatalf("code %d (%v), want %d", st.Code, err, w.code)
		}
		if !strings.Contains(st.Message, w.message) {
			t.Errorf("message %q, want it to contain %q", st.Message, w.message)
		}
		if w.cause != "" {
			if st.Details == nil || len(st.Details.Causes) != 1 || st.Details.Causes[0].Type != policyv1.DisruptionBudgetCause || st.Details.Causes[0].Message != w.cause {
				t.Errorf("causes %+v, want one DisruptionBudget cause %q", st.Details, w.cause)
			}
		}
		var retry int32
		if st.Details != nil {
			retry = st.Details.RetryAfterSeconds
		}
		if retry != w.retryAfter {
			t.Errorf("retryAfterSeconds %d, want %d", retry, w.retryAfter)
		}
	}
	p := e.getPod(t, podName)
	switch {
	case w.podGone && p != nil:
		t.Errorf("pod still exists: deletionTimestamp %v", p.DeletionTimestamp)
	case !w.podGone && p == nil:
		t.Errorf("pod is gone")
	case w.podDeleting && p.DeletionTimestamp == nil:
		t.Errorf("pod has no deletionTimestamp")
	case !w.podGone && !w.podDeleting && p.DeletionTimestamp != nil:
		t.Errorf("pod is being deleted")
	}
}

func toStatus(t *testing.T, err error) metav1.Status {
	t.Helper()
	var se apierrors.APIStatus
	if err == nil || !errorsAs(err, &se) {
		t.Fatalf("error %v (%T) is not an API status", err, err)
	}
	return se.Status()
}

func errorsAs(err error, target *apierrors.APIStatus) bool {
	s, ok := err.(apierrors.APIStatus)
	if ok {
		*target = s
	}
	return ok
}

// grace0 is upstream's NewDeleteOptions(0): evicted pods leave storage at once.
func grace0() *metav1.DeleteOptions {
	zero := int64(0)
	return &metav1.DeleteOptions{GracePeriodSeconds: &zero}
}

func TestEvictionDecisions(t *testing.T) {
	t.Parallel()
	const needs00 = "The disruption budget foo needs 0 healthy pods and has 0 currently"
	tests := []struct {
		name     string
		pod      podState
		pdbs     map[string]pdbState
		policies []string // which unhealthyPodEvictionPolicy values apply; nil = all
		opts     *metav1.DeleteOptions
		want     want
	}{
		{name: "budget 0 blocks a running pod", pod: running, pdbs: map[string]pdbState{"foo": {}},
			want: want{code: 429, message: budgetMessage, cause: needs00}},
		{name: "budget 0 does not block a pending pod", pod: pending, pdbs: map[string]pdbState{"foo": {}}, opts: grace0(), want: want{podGone: true}},
		{name: "budget 0 does not block a succeeded pod", pod: finished, pdbs: map[string]pdbState{"foo": {}}, want: want{podGone: true}},
		{name: "budget 0 does not block a failed pod", pod: failed, pdbs: map[string]pdbState{"foo": {}}, want: want{podGone: true}},
		{name: "budget 1 allows", pod: running, pdbs: map[string]pdbState{"foo": {allowed: 1, current: 1}}, opts: grace0(), want: want{podGone: true}},
		{name: "a budget that selects other pods does not apply", pod: running,
			pdbs: map[string]pdbState{"foo": {selector: &metav1.LabelSelector{MatchLabels: map[string]string{"b": "true"}}}}, opts: grace0(), want: want{podGone: true}},
		{name: "an empty selector selects every pod", pod: running, pdbs: map[string]pdbState{"foo": {selector: &metav1.LabelSelector{}}},
			want: want{code: 429, message: budgetMessage, cause: needs00}},
		{name: "no budget: a running pod is deleted gracefully", pod: running, want: want{podDeleting: true}},
		{name: "two budgets are a 500", pod: running, pdbs: map[string]pdbState{"foo": {allowed: 1}, "bar": {allowed: 1}},
			want: want{code: 500, message: multiplePDBsMessage}},
		{name: "two budgets do not block a pending pod", pod: pending, pdbs: map[string]pdbState{"foo": {}, "bar": {}}, opts: grace0(), want: want{podGone: true}},
		{name: "a budget the controller has not seen is still being processed", pod: running, pdbs: map[string]pdbState{"foo": {allowed: 1, stale: true}},
			want: want{code: 429, message: budgetMessage, cause: "The disruption budget foo is still being processed by the server.", retryAfter: 10}},
		{name: "a negative budget is forbidden", pod: running, pdbs: map[string]pdbState{"foo": {allowed: -1}},
			want: want{code: 403, message: `poddisruptionbudget.policy "foo" is forbidden: pdb disruptions allowed is negative`}},
		{name: "more than 2000 unconfirmed evictions are forbidden", pod: running, pdbs: map[string]pdbState{"foo": {allowed: 1, disrupted: 2001}},
			want: want{code: 403, message: `poddisruptionbudget.policy "foo" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller`}},
		{name: "2000 unconfirmed evictions are still fine", pod: running, pdbs: map[string]pdbState{"foo": {allowed: 1, disrupted: 2000}}, opts: grace0(), want: want{podGone: true}},
		{name: "an unready pod of a met budget is already disrupted", pod: unready, pdbs: map[string]pdbState{"foo": {current: 2, desired: 2}}, opts: grace0(), want: want{podGone: true}},
		{name: "AlwaysAllow evicts an unready pod of an unmet budget", pod: unready, pdbs: map[string]pdbState{"foo": {}}, policies: []string{"AlwaysAllow"}, opts: grace0(), want: want{podGone: true}},
		{name: "IfHealthyBudget needs desiredHealthy > 0 to evict an unready pod", pod: unready, pdbs: map[string]pdbState{"foo": {}}, policies: []string{"nil", "IfHealthyBudget"},
			want: want{code: 429, message: budgetMessage, cause: needs00}},
		{name: "a stale budget does not block an unready pod of a met budget", pod: unready, pdbs: map[string]pdbState{"foo": {current: 2, desired: 2, stale: true}}, opts: grace0(), want: want{podGone: true}},
		{name: "cause names a failed sync", pod: running,
			pdbs: map[string]pdbState{"foo": {current: 3, desired: 2, conditionMsg: &metav1.Condition{Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionFalse, Reason: policyv1.SyncFailedReason, Message: "found no controllers"}}},
			want: want{code: 429, message: budgetMessage, cause: "The disruption budget foo does not allow evicting pods currently because it failed sync: found no controllers"}},
		{name: "cause names the condition's reason", pod: running,
			pdbs: map[string]pdbState{"foo": {current: 3, desired: 2, conditionMsg: &metav1.Condition{Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionFalse, Reason: "Paused", Message: "maintenance"}}},
			want: want{code: 429, message: budgetMessage, cause: "The disruption budget foo does not allow evicting pods currently (Paused): maintenance"}},
		{name: "cause without a condition message", pod: running, pdbs: map[string]pdbState{"foo": {current: 3, desired: 2}},
			want: want{code: 429, message: budgetMessage, cause: "The disruption budget foo does not allow evicting pods currently"}},
	}
	for _, tt := range tests {
		for _, pol := range policies {
			if tt.policies != nil && !contains(tt.policies, pol.name) {
				continue
			}
			t.Run(tt.name+"/"+pol.name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t)
				e.makePod(t, "p", tt.pod)
				for name, st := range tt.pdbs {
					st.policy = pol.policy
					e.makePDB(t, name, st)
				}
				check(t, e, e.evict("p", tt.opts), tt.want, "p")
			})
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestEvictionRaces mirrors upstream's mocked-storage cases: what happens
// when the pod changes under the eviction, counted in pod delete calls.
func TestEvictionRaces(t *testing.T) {
	t.Parallel()
	setReady := func(ready bool) func(p *corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodRunning
			p.Status.Conditions = nil
			if ready {
				p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
			}
		}
	}
	touch := func(p *corev1.Pod) { p.Status.Message = p.Status.Message + "." }
	tests := []struct {
		name        string
		pod         podState
		terminating bool
		pdb         *pdbState
		policies    []string
		// race changes the pod before delete call n (1-based); conflict
		// says whether that call then fails with a Conflict.
		race        map[int32]func(*corev1.Pod)
		failDeletes func(call int32) error
		clientRV    bool
		want        want
		wantDeletes int32
	}{
		{name: "pending pod changed before the first delete, still pending", pod: pending, pdb: &pdbState{},
			race: map[int32]func(*corev1.Pod){1: touch}, want: want{podGone: true}, wantDeletes: 2},
		{name: "pending pod turned running and ready: the budget applies", pod: pending, pdb: &pdbState{}, policies: []string{"nil", "IfHealthyBudget"},
			race: map[int32]func(*corev1.Pod){1: setReady(true)}, want: want{code: 429, message: budgetMessage, cause: "The disruption budget foo needs 0 healthy pods and has 0 currently"}, wantDeletes: 1},
		{name: "pending pod turned running, unready pod changed again", pod: pending, pdb: &pdbState{}, policies: []string{"AlwaysAllow"},
			race: map[int32]func(*corev1.Pod){1: setReady(false), 2: touch},
			want: want{code: 429, message: budgetMessage, cause: "The disruption budget foo is still being processed by the server.", retryAfter: 10}, wantDeletes: 2},
		{name: "pending pod turned running, budget allows", pod: pending, pdb: &pdbState{allowed: 1}, policies: []string{"nil", "IfHealthyBudget"},
			race: map[int32]func(*corev1.Pod){1: setReady(true)}, want: want{podGone: true}, wantDeletes: 2},
		{name: "pending pod that always conflicts gives up after 20 deletes", pod: pending, pdb: &pdbState{},
			failDeletes: func(int32) error { return conflict() }, want: want{code: 409, message: "Operation cannot be fulfilled"}, wantDeletes: 20},
		{name: "a client resourceVersion disables retries", pod: pending, pdb: &pdbState{}, clientRV: true,
			failDeletes: func(int32) error { return conflict() }, want: want{code: 409, message: "Operation cannot be fulfilled"}, wantDeletes: 1},
		{name: "terminating pod is evicted without the budget", pod: running, terminating: true, pdb: &pdbState{},
			want: want{podDeleting: true}, wantDeletes: 1},
		{name: "ready pod, budget 0", pod: running, pdb: &pdbState{current: 2, desired: 2},
			want: want{code: 429, message: budgetMessage, cause: "The disruption budget foo needs 2 healthy pods and has 2 currently"}, wantDeletes: 0},
		{name: "ready pod, budget 1", pod: running, pdb: &pdbState{allowed: 1, current: 3, desired: 3}, want: want{podGone: true}, wantDeletes: 1},
		{name: "unready pod of a met budget", pod: unready, pdb: &pdbState{current: 2, desired: 2}, want: want{podGone: true}, wantDeletes: 1},
		{name: "unready pod of a met budget changed under us", pod: unready, pdb: &pdbState{current: 2, desired: 2},
			race: map[int32]func(*corev1.Pod){1: touch},
			want: want{code: 429, message: budgetMessage, cause: "The disruption budget foo is still being processed by the server.", retryAfter: 10}, wantDeletes: 1},
		{name: "unready pod of a met budget, delete fails otherwise", pod: unready, pdb: &pdbState{current: 2, desired: 2},
			failDeletes: func(int32) error { return apierrors.NewBadRequest("test designed to error") }, want: want{code: 400, message: "test designed to error"}, wantDeletes: 1},
		{name: "empty selector, ready pod, budget 0", pod: running, pdb: &pdbState{selector: &metav1.LabelSelector{}, current: 3, desired: 3},
			want: want{code: 429, message: budgetMessage, cause: "The disruption budget foo needs 3 healthy pods and has 3 currently"}, wantDeletes: 0},
	}
	for _, tt := range tests {
		for _, pol := range policies {
			if tt.policies != nil && !contains(tt.policies, pol.name) {
				continue
			}
			t.Run(tt.name+"/"+pol.name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t)
				st := tt.pod
				if tt.terminating {
					st.finalizers = []string{"test.k8s.io/keep"}
				}
				p := e.makePod(t, "p", st)
				if tt.terminating {
					if _, _, err := e.pods.Delete(context.Background(), "default", "p", &metav1.DeleteOptions{GracePeriodSeconds: ptr(int64(300))}); err != nil {
						t.Fatal(err)
					}
				}
				if tt.pdb != nil {
					s := *tt.pdb
					s.policy = pol.policy
					e.makePDB(t, "foo", s)
				}
				e.spy.beforeDelete = func(call int32) error {
					if change, ok := tt.race[call]; ok {
						if _, _, err := e.pods.Update(context.Background(), "default", "p", func(cur runtime.Object) (runtime.Object, error) {
							change(cur.(*corev1.Pod))
							return cur, nil
						}, store.UpdateOptions{Subresource: "status"}); err != nil {
							return err
						}
					}
					if tt.failDeletes != nil {
						return tt.failDeletes(call)
					}
					return nil
				}
				opts := grace0()
				if tt.terminating {
					opts = &metav1.DeleteOptions{}
				}
				if tt.clientRV {
					opts.Preconditions = &metav1.Preconditions{ResourceVersion: &p.ResourceVersion}
				}
				err := e.evict("p", opts)
				if tt.failDeletes != nil && tt.want.code != 0 {
					// the pod store was never really asked to delete
					if st := toStatus(t, err); st.Code != tt.want.code || !strings.Contains(st.Message, tt.want.message) {
						t.Fatalf("got %d %q, want %d %q", st.Code, st.Message, tt.want.code, tt.want.message)
					}
				} else {
					check(t, e, err, tt.want, "p")
				}
				if got := e.spy.deletes.Load(); got != tt.wantDeletes {
					t.Errorf("pod delete calls %d, want %d", got, tt.wantDeletes)
				}
			})
		}
	}
}

func TestEvictionRecordsTheDisruption(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		allowed    int32
		wantLeft   int32
		wantReason string
	}{
		{name: "the last allowed disruption flips the condition", allowed: 1, wantLeft: 0, wantReason: policyv1.InsufficientPodsReason},
		{name: "the condition changes only at 0", allowed: 3, wantLeft: 2, wantReason: policyv1.SufficientPodsReason},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.makePod(t, "foo-1", running)
			e.makePod(t, "foo-2", running)
			e.makePDB(t, "foo", pdbState{allowed: tt.allowed, current: 2, conditionMsg: &metav1.Condition{Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionTrue, Reason: policyv1.SufficientPodsReason}})
			if err := e.evict("foo-1", nil); err != nil {
				t.Fatal(err)
			}
			pdb := e.getPDB(t, "foo")
			if pdb.Status.DisruptionsAllowed != tt.wantLeft {
				t.Errorf("disruptionsAllowed %d, want %d", pdb.Status.DisruptionsAllowed, tt.wantLeft)
			}
			if ts, ok := pdb.Status.DisruptedPods["foo-1"]; !ok || !ts.Time.Equal(epoch) {
				t.Errorf("disruptedPods %v, want foo-1 at %v", pdb.Status.DisruptedPods, epoch)
			}
			if c := disruptionAllowed(pdb); c == nil || c.Reason != tt.wantReason {
				t.Errorf("condition %+v, want reason %s", c, tt.wantReason)
			}
			pod := e.getPod(t, "foo-1")
			if pod == nil || pod.DeletionTimestamp == nil || *pod.DeletionGracePeriodSeconds != 30 {
				t.Fatalf("pod after eviction: %+v", pod)
			}
			if !hasDisruptionTarget(pod) {
				t.Errorf("pod conditions %+v, want DisruptionTarget", pod.Status.Conditions)
			}
			// A second eviction of the deleting pod bypasses the budget.
			before := e.getPDB(t, "foo").ResourceVersion
			if err := e.evict("foo-1", nil); err != nil {
				t.Fatal(err)
			}
			if after := e.getPDB(t, "foo").ResourceVersion; after != before {
				t.Errorf("second eviction rewrote the PDB: %s → %s", before, after)
			}
		})
	}
}

func hasDisruptionTarget(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.DisruptionTarget && c.Status == corev1.ConditionTrue && c.Reason == conditionReason && c.Message == conditionMessage {
			return true
		}
	}
	return false
}

func TestDryRunChangesNothing(t *testing.T) {
	t.Parallel()
	for _, withPDB := range []bool{false, true} {
		t.Run(map[bool]string{false: "no budget", true: "budget allows 1"}[withPDB], func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			p := e.makePod(t, "p", running)
			var pdbRV string
			if withPDB {
				pdbRV = e.makePDB(t, "foo", pdbState{allowed: 1, current: 1}).ResourceVersion
			}
			if err := e.evict("p", &metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
				t.Fatal(err)
			}
			if got := e.getPod(t, "p"); got.ResourceVersion != p.ResourceVersion || hasDisruptionTarget(got) {
				t.Errorf("dry run changed the pod: rv %s → %s", p.ResourceVersion, got.ResourceVersion)
			}
			if withPDB && e.getPDB(t, "foo").ResourceVersion != pdbRV {
				t.Error("dry run changed the PDB")
			}
		})
	}
}

func TestPreconditions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pre     func(p *corev1.Pod) *metav1.Preconditions
		wantErr string
	}{
		{name: "matching uid", pre: func(p *corev1.Pod) *metav1.Preconditions { return &metav1.Preconditions{UID: &p.UID} }},
		{name: "matching resourceVersion", pre: func(p *corev1.Pod) *metav1.Preconditions {
			return &metav1.Preconditions{ResourceVersion: &p.ResourceVersion}
		}},
		{name: "matching both", pre: func(p *corev1.Pod) *metav1.Preconditions {
			return &metav1.Preconditions{UID: &p.UID, ResourceVersion: &p.ResourceVersion}
		}},
		{name: "wrong uid", pre: func(*corev1.Pod) *metav1.Preconditions { return &metav1.Preconditions{UID: ptr(types.UID("x"))} },
			wantErr: "The object might have been deleted and then recreated"},
		{name: "stale resourceVersion", pre: func(*corev1.Pod) *metav1.Preconditions { return &metav1.Preconditions{ResourceVersion: ptr("1")} },
			wantErr: "The object might have been modified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			p := e.makePod(t, "p", running)
			err := e.evict("p", &metav1.DeleteOptions{Preconditions: tt.pre(p)})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !apierrors.IsConflict(err) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err %v, want a Conflict containing %q", err, tt.wantErr)
			}
		})
	}
	t.Run("missing pod", func(t *testing.T) {
		t.Parallel()
		if err := newEnv(t).evict("nobody", nil); !apierrors.IsNotFound(err) {
			t.Fatalf("err %v, want NotFound", err)
		}
	})
}

func TestConditionStampedEvenForTerminalAndNotInDryRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		pod    podState
		dryRun bool
		want   bool
	}{
		{name: "succeeded pod", pod: podState{phase: corev1.PodSucceeded, finalizers: []string{"test.k8s.io/finalizer"}}, want: true},
		{name: "running pod", pod: podState{phase: corev1.PodRunning, ready: true, finalizers: []string{"test.k8s.io/finalizer"}}, want: true},
		{name: "running pod, dry run", pod: podState{phase: corev1.PodRunning, ready: true, finalizers: []string{"test.k8s.io/finalizer"}}, dryRun: true, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.makePod(t, "p", tt.pod)
			opts := &metav1.DeleteOptions{}
			if tt.dryRun {
				opts.DryRun = []string{metav1.DryRunAll}
			}
			if err := e.evict("p", opts); err != nil {
				t.Fatal(err)
			}
			if got := hasDisruptionTarget(e.getPod(t, "p")); got != tt.want {
				t.Errorf("DisruptionTarget %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMergeDryRun(t *testing.T) {
	t.Parallel()
	all := []string{metav1.DryRunAll}
	tests := []struct {
		name    string
		body    *metav1.DeleteOptions
		query   []string
		want    []string
		wantErr string
	}{
		{name: "no deleteOptions", body: nil, query: all, want: all},
		{name: "only query", body: &metav1.DeleteOptions{}, query: all, want: all},
		{name: "only body", body: &metav1.DeleteOptions{DryRun: all}, want: all},
		{name: "both agree", body: &metav1.DeleteOptions{DryRun: all}, query: all, want: all},
		{name: "both differ", body: &metav1.DeleteOptions{DryRun: []string{"foo"}}, query: all, wantErr: "Non-matching dry-run options in request and content: [All] and [foo]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := mergeDryRun(tt.body, tt.query)
			if tt.wantErr != "" {
				st := toStatus(t, err)
				if st.Code != http.StatusInternalServerError || st.Reason != "" || st.Message != tt.wantErr {
					t.Fatalf("got %+v, want 500 %q", st, tt.wantErr)
				}
				return
			}
			if err != nil || strings.Join(got.DryRun, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
