package kubelet

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func TestPodRunsAndBecomesReadyAfterItsDelay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opts  []func(*corev1.Pod)
		ready time.Duration // -1: never
	}{
		{name: "at once by default", ready: 0},
		{name: "ready-after annotation", opts: []func(*corev1.Pod){annotated(AnnotationReadyAfter, "5s")}, ready: 5 * time.Second},
		{name: "readiness probe initial delay", opts: []func(*corev1.Pod){func(p *corev1.Pod) {
			p.Spec.Containers[0].ReadinessProbe = &corev1.Probe{InitialDelaySeconds: 7}
		}}, ready: 7 * time.Second},
		{name: "never-ready", opts: []func(*corev1.Pod){annotated(AnnotationNeverReady, "true")}, ready: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.add(newPod("web", tt.opts...))
			pod := f.syncAt("web", 0)
			if pod.Status.Phase != corev1.PodRunning || pod.Status.PodIP == "" || pod.Status.HostIP == "" || pod.Status.StartTime == nil {
				t.Fatalf("after the first sync: phase %s, podIP %q, hostIP %q, startTime %v", pod.Status.Phase, pod.Status.PodIP, pod.Status.HostIP, pod.Status.StartTime)
			}
			cs := pod.Status.ContainerStatuses[0]
			if cs.State.Running == nil || !*cs.Started || cs.ContainerID == "" || cs.Image != "docker.io/library/nginx:latest" {
				t.Errorf("container status = %+v", cs)
			}
			f.runUntilQuiet("web", time.Minute, nil)
			pod = f.pod("web")
			ready := condition(pod, corev1.PodReady)
			if tt.ready < 0 {
				if ready.Status != corev1.ConditionFalse || ready.Reason != "ContainersNotReady" {
					t.Errorf("Ready = %+v, want False/ContainersNotReady", ready)
				}
				return
			}
			if ready.Status != corev1.ConditionTrue || !ready.LastTransitionTime.Time.Equal(t0.Add(tt.ready)) {
				t.Errorf("Ready = %s since %s, want True since %s", ready.Status, ready.LastTransitionTime.Sub(t0), tt.ready)
			}
			if cr := condition(pod, corev1.ContainersReady); cr.Status != corev1.ConditionTrue {
				t.Errorf("ContainersReady = %+v", cr)
			}
		})
	}
}

func TestInitContainersRunFirst(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.add(newPod("web", withInit("migrate")))
	pod := f.syncAt("web", 0)
	if pod.Status.Phase != corev1.PodPending || pod.Status.InitContainerStatuses[0].State.Running == nil {
		t.Fatalf("at 0: phase %s, init %+v", pod.Status.Phase, pod.Status.InitContainerStatuses)
	}
	if c := condition(pod, corev1.PodInitialized); c.Status != corev1.ConditionFalse || c.Reason != "ContainersNotInitialized" {
		t.Errorf("Initialized = %+v", c)
	}
	if w := pod.Status.ContainerStatuses[0].State.Waiting; w == nil || w.Reason != "PodInitializing" {
		t.Errorf("app state = %+v, want waiting PodInitializing", pod.Status.ContainerStatuses[0].State)
	}
	if next := f.next("web"); next != initContainerRunTime {
		t.Fatalf("next transition at %s, want %s", next, initContainerRunTime)
	}
	pod = f.syncAt("web", initContainerRunTime)
	init := pod.Status.InitContainerStatuses[0]
	if pod.Status.Phase != corev1.PodRunning || init.State.Terminated == nil || init.State.Terminated.Reason != "Completed" || !init.Ready {
		t.Errorf("at 1s: phase %s, init %+v", pod.Status.Phase, init)
	}
	if c := condition(pod, corev1.PodInitialized); c.Status != corev1.ConditionTrue {
		t.Errorf("Initialized = %+v", c)
	}
}

func TestCrashLoopBackOff(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.add(newPod("web", annotated(AnnotationCrashAfter, "5s")))
	var starts []time.Duration
	restarts := int32(-1)
	f.syncAt("web", 0)
	f.runUntilQuiet("web", 3*time.Minute, func(pod *corev1.Pod) {
		cs := pod.Status.ContainerStatuses[0]
		if cs.RestartCount != restarts && cs.State.Running != nil {
			restarts = cs.RestartCount
			starts = append(starts, cs.State.Running.StartedAt.Sub(t0))
		}
		if w := cs.State.Waiting; w != nil && (w.Reason != "CrashLoopBackOff" || cs.LastTerminationState.Terminated.ExitCode != 1) {
			t.Errorf("waiting %+v, last state %+v", w, cs.LastTerminationState)
		}
	})
	// Crashes at 5 s, restarted at once; then back-offs of 10, 20, 40, 80 s.
	want := []time.Duration{5, 20, 45, 90, 175}
	for i := range want {
		want[i] *= time.Second
	}
	if len(starts) < len(want) {
		t.Fatalf("restarts at %v, want %v", starts, want)
	}
	for i, w := range want {
		if starts[i] != w {
			t.Errorf("restart %d at %s, want %s (all: %v)", i+1, starts[i], w, starts)
		}
	}
	if pod := f.pod("web"); pod.Status.Phase != corev1.PodRunning {
		t.Errorf("phase %s, want Running", pod.Status.Phase)
	}
}

func TestProcessesThatEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		opts              []func(*corev1.Pod)
		phase             corev1.PodPhase
		code              int32
		reason, condition string
	}{
		{name: "job completes", opts: []func(*corev1.Pod){restartPolicy(corev1.RestartPolicyNever), annotated(AnnotationCompleteAfter, "3s")},
			phase: corev1.PodSucceeded, code: 0, reason: "Completed", condition: "PodCompleted"},
		{name: "crash with restartPolicy Never", opts: []func(*corev1.Pod){restartPolicy(corev1.RestartPolicyNever), annotated(AnnotationCrashAfter, "3s")},
			phase: corev1.PodFailed, code: 1, reason: "Error", condition: "PodFailed"},
		{name: "OnFailure does not restart a success", opts: []func(*corev1.Pod){restartPolicy(corev1.RestartPolicyOnFailure), annotated(AnnotationCompleteAfter, "3s")},
			phase: corev1.PodSucceeded, code: 0, reason: "Completed", condition: "PodCompleted"},
		{name: "fail-start with restartPolicy Never", opts: []func(*corev1.Pod){restartPolicy(corev1.RestartPolicyNever), annotated(AnnotationFailStart, "true")},
			phase: corev1.PodFailed, code: 128, reason: "StartError", condition: "PodFailed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.add(newPod("job", tt.opts...))
			f.syncAt("job", 0)
			f.runUntilQuiet("job", time.Minute, nil)
			pod := f.pod("job")
			term := pod.Status.ContainerStatuses[0].State.Terminated
			if pod.Status.Phase != tt.phase || term == nil || term.ExitCode != tt.code || term.Reason != tt.reason {
				t.Fatalf("phase %s, terminated %+v; want %s, %d %s", pod.Status.Phase, term, tt.phase, tt.code, tt.reason)
			}
			if c := condition(pod, corev1.PodReady); c.Status != corev1.ConditionFalse || c.Reason != tt.condition {
				t.Errorf("Ready = %+v, want False/%s", c, tt.condition)
			}
			if len(f.deletes()) != 0 {
				t.Errorf("a finished pod that is not deleted was deleted")
			}
		})
	}
}

func TestFailStartIsRetriedWithBackOff(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.add(newPod("web", annotated(AnnotationFailStart, "true")))
	pod := f.syncAt("web", 0)
	cs := pod.Status.ContainerStatuses[0]
	if w := cs.State.Waiting; w == nil || w.Reason != "RunContainerError" || cs.RestartCount != 1 || *cs.Started {
		t.Fatalf("container status %+v", cs)
	}
	if next := f.next("web"); next != crashLoopInitial {
		t.Errorf("next start at %s, want %s", next, crashLoopInitial)
	}
}
