package kubelet

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"
)

// The pod runs from 0 and is deleted at 10 s; every offset below is from
// the deletion.
func TestGracefulTermination(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    []func(*corev1.Pod)
		grace   int64
		stopped time.Duration // when the container stops
		code    int32
		reason  string
		phase   corev1.PodPhase
	}{
		{name: "dies of SIGTERM at once", grace: 30, stopped: 0, code: 143, reason: "Error", phase: corev1.PodFailed},
		{name: "shutdown-after exits cleanly before the grace", opts: []func(*corev1.Pod){annotated(AnnotationShutdownAfter, "3s")},
			grace: 30, stopped: 3 * time.Second, code: 0, reason: "Completed", phase: corev1.PodSucceeded},
		{name: "shutdown longer than the grace is killed", opts: []func(*corev1.Pod){annotated(AnnotationShutdownAfter, "60s")},
			grace: 30, stopped: 30 * time.Second, code: 137, reason: "Error", phase: corev1.PodFailed},
		{name: "ignore-sigterm is killed at the grace", opts: []func(*corev1.Pod){annotated(AnnotationIgnoreSIGTERM, "true")},
			grace: 5, stopped: 5 * time.Second, code: 137, reason: "Error", phase: corev1.PodFailed},
		{name: "grace 1 s still leaves the 2 s stop window", opts: []func(*corev1.Pod){annotated(AnnotationIgnoreSIGTERM, "true")},
			grace: 1, stopped: 2 * time.Second, code: 137, reason: "Error", phase: corev1.PodFailed},
		{name: "grace 0 counts as 1 s", opts: []func(*corev1.Pod){annotated(AnnotationIgnoreSIGTERM, "true")},
			grace: 0, stopped: 2 * time.Second, code: 137, reason: "Error", phase: corev1.PodFailed},
		{name: "preStop sleep runs before SIGTERM", opts: []func(*corev1.Pod){preStopSleep(3), annotated(AnnotationShutdownAfter, "2s")},
			grace: 30, stopped: 5 * time.Second, code: 0, reason: "Completed", phase: corev1.PodSucceeded},
		{name: "preStop time comes off the grace", opts: []func(*corev1.Pod){preStopSleep(3), annotated(AnnotationIgnoreSIGTERM, "true")},
			grace: 10, stopped: 10 * time.Second, code: 137, reason: "Error", phase: corev1.PodFailed},
		{name: "preStop overrunning the grace gets 2 s more", opts: []func(*corev1.Pod){annotated(AnnotationPreStopAfter, "20s", AnnotationIgnoreSIGTERM, "true")},
			grace: 5, stopped: 7 * time.Second, code: 137, reason: "Error", phase: corev1.PodFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.add(newPod("web", tt.opts...))
			f.syncAt("web", 0)
			var final *corev1.Pod
			f.client.PrependReactor("delete", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
				final = f.podOrNil("web") // the pod as the DELETE finds it
				return false, nil, nil
			})
			f.deleteAt("web", 10*time.Second, tt.grace)
			if pod := f.podOrNil("web"); pod != nil && tt.stopped > 0 {
				if c := condition(pod, corev1.PodReady); c.Status != corev1.ConditionFalse {
					t.Errorf("Ready = %s right after the deletion, want False", c.Status)
				}
				if pod.Status.Phase != corev1.PodRunning {
					t.Errorf("phase %s while the container runs, want Running", pod.Status.Phase)
				}
			}
			f.runUntilQuiet("web", 10*time.Minute, nil)
			if final == nil {
				t.Fatal("pod never deleted")
			}
			term := final.Status.ContainerStatuses[0].State.Terminated
			stopped := t0.Add(10*time.Second + tt.stopped)
			if final.Status.Phase != tt.phase || term == nil || term.ExitCode != tt.code || term.Reason != tt.reason || !term.FinishedAt.Time.Equal(stopped) {
				t.Fatalf("phase %s, terminated %+v; want %s, %d %s at %s", final.Status.Phase, term, tt.phase, tt.code, tt.reason, stopped)
			}
			deletes := f.deletes()
			if len(deletes) != 1 {
				t.Fatalf("%d DELETEs, want 1", len(deletes))
			}
			opts := deletes[0].GetDeleteOptions()
			if *opts.GracePeriodSeconds != 0 || opts.Preconditions == nil || *opts.Preconditions.UID != "uid-web" {
				t.Errorf("DELETE options %+v, want grace 0 and the UID precondition", opts)
			}
			if e := f.events.reasons(); e != "Pulled,Created,Started,Killing" {
				t.Errorf("events %s", e)
			}
		})
	}
}

// checkFinal checks the last status the kubelet wrote for a deleted pod.
func TestFinalStatusBeforeTheDelete(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.add(newPod("web", annotated(AnnotationIgnoreSIGTERM, "true")))
	f.syncAt("web", 0)
	// Keep the pod when it is deleted, as a finalizer would.
	f.client.PrependReactor("delete", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, nil
	})
	f.deleteAt("web", 10*time.Second, 5)
	f.runUntilQuiet("web", time.Hour, nil)
	pod := f.pod("web")
	term := pod.Status.ContainerStatuses[0].State.Terminated
	if pod.Status.Phase != corev1.PodFailed || term == nil || term.ExitCode != 137 || !term.FinishedAt.Equal(ptrTime(t0.Add(15*time.Second))) {
		t.Fatalf("phase %s, terminated %+v; want Failed, 137 at 15s", pod.Status.Phase, term)
	}
	for _, ct := range []corev1.PodConditionType{corev1.PodReady, corev1.ContainersReady} {
		if c := condition(pod, ct); c.Status != corev1.ConditionFalse || c.Reason != "PodFailed" {
			t.Errorf("%s = %+v, want False/PodFailed", ct, c)
		}
	}
	// The finalizer keeps the pod: more syncs send no more DELETEs.
	f.syncAt("web", time.Hour)
	f.syncAt("web", 2*time.Hour)
	if n := len(f.deletes()); n != 1 {
		t.Errorf("%d DELETEs, want 1", n)
	}
}

func TestShorterGraceRestartsTheKill(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.add(newPod("web", annotated(AnnotationIgnoreSIGTERM, "true")))
	f.syncAt("web", 0)
	f.deleteAt("web", 10*time.Second, 30)
	f.deleteAt("web", 20*time.Second, 3)  // kill at 23 s instead of 40 s
	f.deleteAt("web", 21*time.Second, 60) // longer: ignored
	if next := f.next("web"); next != 23*time.Second {
		t.Fatalf("kill at %s, want 23s", next)
	}
}

func TestForceDeletedPodIsForgotten(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.add(newPod("web"))
	f.syncAt("web", 0)
	ip := f.pod("web").Status.PodIP
	if err := f.client.Tracker().Delete(podResource, ns, "web"); err != nil {
		t.Fatal(err)
	}
	f.sync("web")
	if f.sim.lookup(ns+"/web") != nil {
		t.Fatal("state of a force-deleted pod kept")
	}
	// The address is handed out again, to a pod that asks for it.
	f.add(newPod("again", func(p *corev1.Pod) { p.Status.PodIP = ip }))
	if got := f.syncAt("again", time.Second).Status.PodIP; got != ip {
		t.Errorf("podIP %s, want the recycled %s", got, ip)
	}
}

func TestRecreatedPodStartsAfresh(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.add(newPod("web", annotated(AnnotationCrashAfter, "1s")))
	f.runUntilQuiet("web", 30*time.Second, nil)
	if err := f.client.Tracker().Delete(podResource, ns, "web"); err != nil {
		t.Fatal(err)
	}
	f.add(newPod("web", func(p *corev1.Pod) { p.UID = "uid-2" }))
	pod := f.syncAt("web", time.Minute)
	if cs := pod.Status.ContainerStatuses[0]; cs.RestartCount != 0 || cs.State.Running == nil {
		t.Errorf("recreated pod's container %+v, want a first run", cs)
	}
}

func ptrTime(t time.Time) *metav1.Time { v := stamp(t); return &v }
