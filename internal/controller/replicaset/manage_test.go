package replicaset

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestSlowStartBatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		count         int
		failFrom      int64 // the first failing call, 0 for none
		wantSuccesses int
		wantCalls     int64
	}{
		{name: "all succeed", count: 10, wantSuccesses: 10, wantCalls: 10},
		{name: "first call fails: one call only", count: 500, failFrom: 1, wantSuccesses: 0, wantCalls: 1},
		{name: "second batch of 2 is the last", count: 10, failFrom: 2, wantSuccesses: 1, wantCalls: 3},
		{name: "fourth batch of 8 is the last", count: 100, failFrom: 10, wantSuccesses: 9, wantCalls: 15},
		{name: "last batch is the remainder", count: 10, failFrom: 9, wantSuccesses: 8, wantCalls: 10},
		{name: "nothing to do", count: 0, wantSuccesses: 0, wantCalls: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int64
			got, err := slowStartBatch(tt.count, slowStartInitialBatchSize, func() error {
				if n := calls.Add(1); tt.failFrom > 0 && n >= tt.failFrom {
					return errors.New("quota")
				}
				return nil
			})
			if got != tt.wantSuccesses || calls.Load() != tt.wantCalls {
				t.Errorf("successes %d, calls %d; want %d, %d", got, calls.Load(), tt.wantSuccesses, tt.wantCalls)
			}
			if (err != nil) != (tt.failFrom > 0) {
				t.Errorf("error = %v", err)
			}
		})
	}
}

// TestSyncCreatesPodsOnce: a sync creates every missing pod from the
// template; until the cache shows them, the expectations keep a second
// sync from creating them again.
func TestSyncCreatesPodsOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{}, newRS("rs", 10))
	f.mustSync("rs")
	pods := f.apiPods()
	if len(pods) != 10 {
		t.Fatalf("%d pods created, want 10", len(pods))
	}
	checkCreatedPod(t, pods[0])
	if r := f.events.reasons(); r[reasonSuccessfulCreate] != 10 || len(r) != 1 {
		t.Errorf("events = %v, want 10 SuccessfulCreate", r)
	}

	f.mustSync("rs") // the cache still shows no pods
	if n := len(f.apiPods()); n != 10 {
		t.Fatalf("second sync before the pods were observed: %d pods, want 10", n)
	}
	f.refresh()
	for _, p := range pods[:9] {
		f.c.addPod(p)
	}
	if f.c.expectations.SatisfiedExpectations(ns + "/rs") {
		t.Fatal("satisfied with one creation unobserved")
	}
	f.c.addPod(pods[9])
	f.mustSync("rs")
	if n := len(f.apiPods()); n != 10 {
		t.Errorf("%d pods after the creations were observed, want 10", n)
	}
	if s := f.rs("rs").Status; s.Replicas != 10 || s.FullyLabeledReplicas != 10 || s.ObservedGeneration != 1 {
		t.Errorf("status = %+v, want 10 replicas, 10 fully labeled, generation 1", s)
	}
}

func checkCreatedPod(t *testing.T, p *corev1.Pod) {
	t.Helper()
	if p.GenerateName != "rs-" || p.Labels["tier"] != "front" || p.Annotations["a"] != "b" || p.Spec.NodeName != "" {
		t.Errorf("pod meta = %+v", p.ObjectMeta)
	}
	ref := metav1.GetControllerOf(p)
	if ref == nil || ref.APIVersion != "apps/v1" || ref.Kind != "ReplicaSet" || ref.Name != "rs" || ref.UID != "uid-rs" ||
		ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
		t.Errorf("controller ref = %+v", ref)
	}
}

// TestSyncStopsAtTheFirstFailedBatch: batches 1 and 2 succeed, the batch
// of 4 fails; the 7 creations that will never be observed are forgotten,
// the failure becomes a ReplicaFailure condition, and an error-free sync
// clears it.
func TestSyncStopsAtTheFirstFailedBatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{}, newRS("rs", 10))
	f.createErr = func(n int64) error {
		if n >= 4 {
			return apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New("exceeded quota"))
		}
		return nil
	}
	if err := f.sync("rs"); err == nil {
		t.Fatal("sync succeeded")
	}
	if n := f.creates.Load(); n != 7 {
		t.Errorf("%d create calls, want 7 (batches 1, 2, 4)", n)
	}
	if r := f.events.reasons(); r[reasonSuccessfulCreate] != 3 || r[reasonFailedCreate] != 4 {
		t.Errorf("events = %v, want 3 SuccessfulCreate and 4 FailedCreate", r)
	}
	if add, _, _ := f.c.expectations.Get(ns + "/rs"); add != 3 {
		t.Errorf("expected creations = %d, want 3", add)
	}
	conds := f.rs("rs").Status.Conditions
	if len(conds) != 1 || conds[0].Type != "ReplicaFailure" || conds[0].Reason != "FailedCreate" || conds[0].LastTransitionTime.Time != t0 {
		t.Fatalf("conditions = %+v, want ReplicaFailure/FailedCreate", conds)
	}

	f.createErr = nil
	f.refresh()
	for _, p := range f.apiPods() {
		f.c.addPod(p)
	}
	f.mustSync("rs")
	if n := len(f.apiPods()); n != 10 {
		t.Errorf("%d pods, want 10", n)
	}
	if conds := f.rs("rs").Status.Conditions; len(conds) != 0 {
		t.Errorf("conditions after an error-free sync = %+v", conds)
	}
}

// TestSyncTreatsATerminatingNamespaceAsSuccess: creations refused because
// the namespace is going away are neither events nor failures.
func TestSyncTreatsATerminatingNamespaceAsSuccess(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{}, newRS("rs", 3))
	f.createErr = func(int64) error {
		err := apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", fmt.Errorf("namespace %s is being terminated", ns))
		err.ErrStatus.Details.Causes = []metav1.StatusCause{{Type: corev1.NamespaceTerminatingCause}}
		return err
	}
	f.mustSync("rs")
	if n := f.creates.Load(); n != 3 {
		t.Errorf("%d create calls, want 3", n)
	}
	if e := f.events.take(); len(e) != 0 {
		t.Errorf("events = %v, want none", e)
	}
	if conds := f.rs("rs").Status.Conditions; len(conds) != 0 {
		t.Errorf("conditions = %+v, want none", conds)
	}
}

// TestSyncCapsABurst: one sync creates at most BurstReplicas pods.
func TestSyncCapsABurst(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{BurstReplicas: 4}, newRS("rs", 10))
	f.mustSync("rs")
	if n := len(f.apiPods()); n != 4 {
		t.Errorf("%d pods after one sync, want 4", n)
	}
}

// TestSyncReplacesATerminatingPod: a pod with a deletionTimestamp no
// longer counts, so its replacement is created at once.
func TestSyncReplacesATerminatingPod(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{}, newRS("rs", 3), newPod("a", "rs"), newPod("b", "rs", deleting), newPod("c", "rs"))
	f.mustSync("rs")
	pods := f.apiPods()
	if len(pods) != 4 {
		t.Fatalf("%d pods, want 4 (3 active, 1 terminating)", len(pods))
	}
	s := f.rs("rs").Status
	if s.Replicas != 2 || s.TerminatingReplicas == nil || *s.TerminatingReplicas != 1 {
		t.Errorf("status = %+v, want replicas 2 (as listed before the create), terminatingReplicas 1", s)
	}
}
