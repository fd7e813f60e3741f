package statefulset

import (
	"testing"
	"testing/synctest"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

var deleteOptions = metav1.DeleteOptions{}

// TestPartitionedRollingUpdate: the update goes from the highest ordinal
// down, one pod at a time, and ordinals below the partition keep the old
// revision.
func TestPartitionedRollingUpdate(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, newSet(3, appsv1.OrderedReadyPodManagement))
		for _, name := range []string{"web-0", "web-1", "web-2"} {
			h.sync()
			h.ready(name)
		}
		h.sync()
		oldRev := h.set().Status.CurrentRevision
		h.updateSet(func(s *appsv1.StatefulSet) {
			s.Spec.Template.Spec.Containers[0].Image = "v2"
			s.Spec.UpdateStrategy.RollingUpdate.Partition = ptr.To[int32](1)
		})
		h.sync()
		h.wantPods("web-0", "web-1", "~web-2")
		newRev := h.set().Status.UpdateRevision
		if newRev == oldRev {
			t.Fatalf("update revision %q is the current one", newRev)
		}
		h.finish("web-2")
		h.sync()
		h.wantPods("web-0", "web-1", "web-2")
		if got := podRevision(h.pod("web-2")); got != newRev || h.pod("web-2").Spec.Containers[0].Image != "v2" {
			t.Fatalf("web-2 at %q image %q, want %q v2", got, h.pod("web-2").Spec.Containers[0].Image, newRev)
		}
		h.sync()
		h.wantPods("web-0", "web-1", "web-2") // web-2 not Ready yet
		h.ready("web-2")
		h.sync()
		h.wantPods("web-0", "~web-1", "web-2")
		h.finish("web-1")
		h.sync()
		h.ready("web-1")
		h.sync()
		h.wantPods("web-0", "web-1", "web-2")
		if got := podRevision(h.pod("web-0")); got != oldRev {
			t.Errorf("web-0 below the partition at %q, want %q", got, oldRev)
		}
		s := h.set().Status
		if s.UpdatedReplicas != 2 || s.CurrentReplicas != 1 || s.CurrentRevision != oldRev {
			t.Errorf("status = %+v", s)
		}
	})
}
