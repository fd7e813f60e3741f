package statefulset

import (
	"testing"
	"testing/synctest"
	"time"

	appsv1 "k8s.io/api/apps/v1"
)

// TestOrderedReadyCreatesOneAtATime: each ordinal waits for the previous
// one to be Running, Ready and available for minReadySeconds.
func TestOrderedReadyCreatesOneAtATime(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		set := newSet(3, appsv1.OrderedReadyPodManagement)
		set.Spec.MinReadySeconds = 10
		h := newHarness(t, set)
		h.sync()
		h.wantPods("web-0")
		h.sync()
		h.wantPods("web-0") // Pending
		h.ready("web-0")
		h.sync()
		h.wantPods("web-0") // Ready, not yet available
		h.clock.Step(11 * time.Second)
		h.sync()
		h.wantPods("web-0", "web-1")
		h.ready("web-1")
		h.clock.Step(11 * time.Second)
		h.sync()
		h.wantPods("web-0", "web-1", "web-2")
		h.ready("web-2")
		h.clock.Step(11 * time.Second)
		h.sync()
		s := h.set().Status
		if s.Replicas != 3 || s.ReadyReplicas != 3 || s.AvailableReplicas != 3 || s.UpdatedReplicas != 3 ||
			s.CurrentRevision != s.UpdateRevision || s.ObservedGeneration != 1 {
			t.Errorf("status = %+v", s)
		}
	})
}

// TestOrderedReadyScalesDownFromTheTop: one pod at a time, highest
// ordinal first, each waiting for the previous to be gone.
func TestOrderedReadyScalesDownFromTheTop(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, newSet(3, appsv1.ParallelPodManagement))
		h.sync()
		h.ready("web-0", "web-1", "web-2")
		h.updateSet(func(s *appsv1.StatefulSet) {
			s.Spec.Replicas = new(int32(1))
			s.Spec.PodManagementPolicy = appsv1.OrderedReadyPodManagement
		})
		h.sync()
		h.wantPods("web-0", "web-1", "~web-2")
		h.sync()
		h.wantPods("web-0", "web-1", "~web-2")
		h.finish("web-2")
		h.sync()
		h.wantPods("web-0", "~web-1")
	})
}

// TestParallelCreatesAllAtOnce: no ordinal waits for another.
func TestParallelCreatesAllAtOnce(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, newSet(4, appsv1.ParallelPodManagement))
		h.sync()
		h.wantPods("web-0", "web-1", "web-2", "web-3")
		h.updateSet(func(s *appsv1.StatefulSet) { s.Spec.Replicas = new(int32(1)) })
		h.sync()
		h.wantPods("web-0", "~web-1", "~web-2", "~web-3")
	})
}

// TestDeletedPodReplacedOnceGone: the same name comes back only after
// the old pod has finished terminating.
func TestDeletedPodReplacedOnceGone(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, newSet(2, appsv1.ParallelPodManagement))
		h.sync()
		h.ready("web-0", "web-1")
		if err := h.client.CoreV1().Pods(ns).Delete(t.Context(), "web-0", deleteOptions); err != nil {
			t.Fatal(err)
		}
		h.sync()
		h.wantPods("web-1", "~web-0")
		h.finish("web-0")
		h.sync()
		h.wantPods("web-0", "web-1")
	})
}
