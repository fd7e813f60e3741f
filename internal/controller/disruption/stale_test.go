package disruption

import (
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestStaleDisruptionTarget(t *testing.T) {
	t.Parallel()
	old := t0.Add(-stalePodDisruptionTimeout - time.Minute)
	tests := []struct {
		name        string
		pod         *corev1.Pod
		wantFlipped bool
		wantRequeue []delayed // by the handler and by the worker
	}{
		{
			name:        "an eviction's condition older than 2 minutes is reverted",
			pod:         newPod("p", disruptionTarget(corev1.ConditionTrue, "EvictionByEvictionAPI", old)),
			wantFlipped: true,
			wantRequeue: []delayed{{"ns/p", 0}},
		},
		{
			name:        "a condition exactly 2 minutes old is reverted",
			pod:         newPod("p", disruptionTarget(corev1.ConditionTrue, "EvictionByEvictionAPI", t0.Add(-stalePodDisruptionTimeout))),
			wantFlipped: true,
			wantRequeue: []delayed{{"ns/p", 0}},
		},
		{
			name:        "other components' reasons are reverted too",
			pod:         newPod("p", disruptionTarget(corev1.ConditionTrue, "DeletionByTaintManager", old)),
			wantFlipped: true,
			wantRequeue: []delayed{{"ns/p", 0}},
		},
		{
			name:        "a younger condition waits for the rest of the 2 minutes",
			pod:         newPod("p", disruptionTarget(corev1.ConditionTrue, "EvictionByEvictionAPI", t0.Add(-30*time.Second))),
			wantRequeue: []delayed{{"ns/p", 90 * time.Second}, {"ns/p", 90 * time.Second}},
		},
		{
			name: "the kubelet's condition is never stale",
			pod:  newPod("p", disruptionTarget(corev1.ConditionTrue, corev1.PodReasonTerminationByKubelet, old)),
		},
		{
			name: "a terminal pod is left alone",
			pod:  newPod("p", phase(corev1.PodFailed), disruptionTarget(corev1.ConditionTrue, "EvictionByEvictionAPI", old)),
		},
		{
			name: "a succeeded pod is left alone",
			pod:  newPod("p", phase(corev1.PodSucceeded), disruptionTarget(corev1.ConditionTrue, "EvictionByEvictionAPI", old)),
		},
		{
			name: "a terminating pod is left alone",
			pod:  newPod("p", terminating, disruptionTarget(corev1.ConditionTrue, "EvictionByEvictionAPI", old)),
		},
		{
			name: "a False condition is left alone",
			pod:  newPod("p", disruptionTarget(corev1.ConditionFalse, "", old)),
		},
		{
			name: "a pod without the condition is left alone",
			pod:  newPod("p"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tt.pod)
			f.c.addPod(tt.pod) // what the pod informer does
			if err := f.c.syncStalePod(t.Context(), "ns/p"); err != nil {
				t.Fatal(err)
			}
			if got := f.stale.take(); !slices.Equal(got, tt.wantRequeue) {
				t.Errorf("stale queue AddAfter calls = %v, want %v", got, tt.wantRequeue)
			}
			writes := f.statusWrites("pods")
			if !tt.wantFlipped {
				if len(writes) != 0 {
					t.Errorf("pod status writes = %d, want 0", len(writes))
				}
				return
			}
			if len(writes) != 1 {
				t.Fatalf("pod status writes = %d, want 1", len(writes))
			}
			got := f.pod("p").Status.Conditions
			want := []corev1.PodCondition{
				{Type: corev1.PodReady, Status: corev1.ConditionTrue},
				{Type: corev1.DisruptionTarget, Status: corev1.ConditionFalse, LastTransitionTime: metav1.NewTime(t0)},
			}
			if !slices.EqualFunc(got, want, func(a, b corev1.PodCondition) bool {
				return a.Type == b.Type && a.Status == b.Status && a.Reason == b.Reason && a.Message == b.Message &&
					a.LastTransitionTime.Equal(&b.LastTransitionTime)
			}) {
				t.Errorf("conditions:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestStalePodCleanupOfADeletedPod(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if err := f.c.syncStalePod(t.Context(), "ns/gone"); err != nil {
		t.Fatal(err)
	}
	if writes := f.statusWrites("pods"); len(writes) != 0 {
		t.Errorf("pod status writes = %d, want 0", len(writes))
	}
}
