package replicaset

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
)

func TestStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     Options
		minReady int32
		step     time.Duration // fake-clock step before the sync
		pods     []runtime.Object
		want     appsv1.ReplicaSetStatus
	}{
		{name: "counts", pods: []runtime.Object{
			newPod("ready", "rs", ready(t0.Add(-time.Minute))),
			newPod("not-ready", "rs"),
			newPod("partly-labelled", "rs", labelled(webLabels)),
			newPod("terminating", "rs", deleting, ready(t0.Add(-time.Minute))),
			newPod("failed", "rs", phase(corev1.PodFailed)),
			newPod("terminating-failed", "rs", deleting, phase(corev1.PodFailed)),
			newPod("someone-elses", "other"),
		}, want: appsv1.ReplicaSetStatus{Replicas: 3, FullyLabeledReplicas: 2, ReadyReplicas: 1, AvailableReplicas: 1,
			TerminatingReplicas: ptr.To[int32](1), ObservedGeneration: 1}},
		{name: "terminatingReplicas off", opts: Options{DisableTerminatingReplicas: true}, pods: []runtime.Object{
			newPod("a", "rs"), newPod("b", "rs"), newPod("c", "rs", deleting),
		}, want: appsv1.ReplicaSetStatus{Replicas: 2, FullyLabeledReplicas: 2, ObservedGeneration: 1}},
		{name: "minReadySeconds not yet passed", minReady: 10, pods: []runtime.Object{
			newPod("a", "rs", ready(t0.Add(-10*time.Second))), newPod("b", "rs", ready(t0.Add(-11*time.Second))),
		}, want: appsv1.ReplicaSetStatus{Replicas: 2, FullyLabeledReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 1,
			TerminatingReplicas: ptr.To[int32](0), ObservedGeneration: 1}},
		{name: "minReadySeconds passed on the clock", minReady: 10, step: time.Second, pods: []runtime.Object{
			newPod("a", "rs", ready(t0.Add(-10*time.Second))), newPod("b", "rs", ready(t0.Add(-11*time.Second))),
		}, want: appsv1.ReplicaSetStatus{Replicas: 2, FullyLabeledReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2,
			TerminatingReplicas: ptr.To[int32](0), ObservedGeneration: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs := newRS("rs", int32(tt.want.Replicas), minReady(tt.minReady))
			f := newFixture(t, tt.opts, append([]runtime.Object{rs}, tt.pods...)...)
			f.clock.Step(tt.step)
			f.mustSync("rs")
			got := f.rs("rs").Status
			got.Conditions = nil
			if !equalStatus(got, tt.want) {
				t.Errorf("status = %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func equalStatus(a, b appsv1.ReplicaSetStatus) bool {
	return sameCounts(a, b) && a.ObservedGeneration == b.ObservedGeneration
}

// TestStatusRequeuesUntilAvailable: every pod Ready but not yet available
// for minReadySeconds → the RS is looked at again after minReadySeconds.
func TestStatusRequeuesUntilAvailable(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{}, newRS("rs", 1, minReady(30)), newPod("a", "rs", ready(t0)))
	f.mustSync("rs")
	want := []delayed{{ns + "/rs", 30 * time.Second}}
	if got := f.delayed.take(); len(got) != 1 || got[0] != want[0] {
		t.Errorf("AddAfter calls = %v, want %v", got, want)
	}
}

// TestStatusWriteSkippedWhenUnchanged: a second sync with nothing new does
// not write the status again.
func TestStatusWriteSkippedWhenUnchanged(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{}, newRS("rs", 1), newPod("a", "rs"))
	f.mustSync("rs")
	if got := count(f.actions(), "update replicasets/status"); got != 1 {
		t.Fatalf("%d status writes on the first sync, want 1", got)
	}
	f.refresh()
	f.mustSync("rs")
	if got := f.actions(); len(got) != 0 {
		t.Errorf("second sync wrote %v", got)
	}
}
