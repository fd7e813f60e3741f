package kubelet

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// handOver gives the pod as the first kubelet left it to a second one, as
// a restarted or newly elected evictd would find it, at t0+at.
func handOver(t *testing.T, pod *corev1.Pod, at time.Duration) *fixture {
	t.Helper()
	f := newFixture(t)
	f.at(at)
	pod = pod.DeepCopy()
	pod.ResourceVersion = ""
	f.add(pod)
	return f
}

// TestNewKubeletResumesRunningPods checks that a kubelet taking over pods
// another one ran keeps what was running: start times, readiness, restart
// counts and completed init containers, with no status write and no
// container started again.
func TestNewKubeletResumesRunningPods(t *testing.T) {
	t.Parallel()
	first := newFixture(t)
	first.add(newPod("web", withInit("migrate"), func(p *corev1.Pod) {
		p.Spec.Containers[0].ReadinessProbe = &corev1.Probe{InitialDelaySeconds: 7}
	}))
	first.syncAt("web", 0)
	first.runUntilQuiet("web", time.Minute, nil)
	before := first.pod("web")
	if condition(before, corev1.PodReady).Status != corev1.ConditionTrue {
		t.Fatalf("the first kubelet never made the pod Ready: %+v", before.Status)
	}

	second := handOver(t, before, 2*time.Minute)
	second.sync("web")
	after := second.pod("web")
	if n := second.statusPatches("pods"); n != 0 {
		t.Errorf("the new kubelet wrote the status %d times; want none, nothing changed:\nbefore %+v\nafter  %+v", n, before.Status, after.Status)
	}
	if got := second.events.reasons(); strings.Contains(got, "Started") {
		t.Errorf("the new kubelet started containers again: events %s", got)
	}
	if next := second.next("web"); next != -1 {
		t.Errorf("next transition at %s; want none for a running, Ready pod", next)
	}
}

// TestNewKubeletResumesACrashLoop checks that the restart count carries
// over: the container a previous kubelet restarted twice crashes on
// schedule and is restarted a third time, not a first.
func TestNewKubeletResumesACrashLoop(t *testing.T) {
	t.Parallel()
	first := newFixture(t)
	first.add(newPod("web", annotated(AnnotationCrashAfter, "5s")))
	first.syncAt("web", 0)
	first.runUntilQuiet("web", 21*time.Second, nil) // crashed at 5 and 15 s; running again since 20 s
	before := first.pod("web").Status.ContainerStatuses[0]
	if before.RestartCount != 2 || before.State.Running == nil {
		t.Fatalf("the first kubelet left %+v; want running after 2 restarts", before)
	}

	second := handOver(t, first.pod("web"), 22*time.Second)
	second.sync("web")
	cs := second.pod("web").Status.ContainerStatuses[0]
	if cs.RestartCount != 2 || cs.State.Running == nil || !cs.State.Running.StartedAt.Equal(&before.State.Running.StartedAt) {
		t.Fatalf("after the hand-over: %+v; want the same running instance as %+v", cs, before)
	}
	if next := second.next("web"); next != 25*time.Second {
		t.Fatalf("next transition at %s; want the crash 5 s after the start at 20 s", next)
	}
	// The back-off lives in the kubelet's memory, upstream's too: a new
	// kubelet restarts the first crash it sees at once, then backs off.
	second.runUntilQuiet("web", 25*time.Second, nil)
	cs = second.pod("web").Status.ContainerStatuses[0]
	if cs.RestartCount != 3 || cs.State.Running == nil || !cs.State.Running.StartedAt.Time.Equal(t0.Add(25*time.Second)) {
		t.Errorf("after the crash at 25 s: %+v; want restart 3 at once", cs)
	}
	second.runUntilQuiet("web", 31*time.Second, nil)
	cs = second.pod("web").Status.ContainerStatuses[0]
	if cs.RestartCount != 3 || cs.State.Waiting == nil || cs.State.Waiting.Reason != "CrashLoopBackOff" {
		t.Errorf("after the crash at 30 s: %+v; want waiting in CrashLoopBackOff", cs)
	}
}

// TestNewKubeletStartsWhatWasNotRunning checks the plan after a hand-over
// in the middle of initialisation: the running init container keeps
// running and the app waits for it.
func TestNewKubeletStartsWhatWasNotRunning(t *testing.T) {
	t.Parallel()
	first := newFixture(t)
	first.add(newPod("web", withInit("migrate")))
	pod := first.syncAt("web", 0)
	if pod.Status.InitContainerStatuses[0].State.Running == nil {
		t.Fatalf("init container not running at 0: %+v", pod.Status.InitContainerStatuses)
	}
	second := handOver(t, pod, 500*time.Millisecond)
	second.sync("web")
	if next := second.next("web"); next != initContainerRunTime {
		t.Fatalf("next transition at %s; want the init container's end at %s", next, initContainerRunTime)
	}
	second.runUntilQuiet("web", time.Minute, nil)
	after := second.pod("web")
	if after.Status.Phase != corev1.PodRunning || after.Status.ContainerStatuses[0].State.Running == nil {
		t.Errorf("after the hand-over: phase %s, app %+v", after.Status.Phase, after.Status.ContainerStatuses[0].State)
	}
}
