package disruption

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestConflictIsLoggedAtDebug: an eviction writing the PDB between the
// cache read and the controller's status write is a normal 409 that the
// requeue resolves; it was logged at ERROR during the README walkthrough
// and is now at DEBUG.
func TestConflictIsLoggedAtDebug(t *testing.T) {
	t.Parallel()
	f := newFixture(t, newPDB("pdb", minAvailable(intstr.FromInt32(1))), newPod("a"), newPod("b"))
	var logs bytes.Buffer
	f.c.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.mustSync("pdb")
	f.refresh()

	evicted := f.pdb("pdb")
	evicted.Status.DisruptionsAllowed = 0
	evicted.Status.DisruptedPods = map[string]metav1.Time{"a": metav1.NewTime(t0)}
	evicted.ResourceVersion = "3"
	if err := f.client.Tracker().Update(pdbResource, evicted, ns); err != nil {
		t.Fatal(err)
	}
	f.add(newPod("c"))
	logs.Reset()
	f.c.queue.Add("ns/pdb")
	if !f.c.processNextPDB(t.Context()) {
		t.Fatal("queue shut down")
	}
	out := logs.String()
	if strings.Contains(out, "level=ERROR") || !strings.Contains(out, `level=DEBUG msg="syncing PodDisruptionBudget, requeuing"`) {
		t.Errorf("conflict logged as:\n%s\nwant one DEBUG line and no ERROR", out)
	}
}
