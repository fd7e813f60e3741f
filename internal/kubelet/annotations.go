package kubelet

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// The annotations that tell a simulated pod how its processes behave; each
// applies to every container of the pod. Durations are Go durations ("5s",
// "1500ms"); a value that does not parse is ignored, as kwok does.
const (
	// AnnotationReadyAfter delays readiness after a container starts
	// (default: readinessProbe.initialDelaySeconds, else at once).
	AnnotationReadyAfter = "sim.evictd.io/ready-after"
	// AnnotationNeverReady "true" keeps every container unready.
	AnnotationNeverReady = "sim.evictd.io/never-ready"
	// AnnotationShutdownAfter makes the process handle SIGTERM: it exits
	// with code 0 that long after the signal. Without it the process dies of
	// SIGTERM at once (exit code 143).
	AnnotationShutdownAfter = "sim.evictd.io/shutdown-after"
	// AnnotationIgnoreSIGTERM "true" keeps the process running until it is
	// killed when the grace period runs out (exit code 137).
	AnnotationIgnoreSIGTERM = "sim.evictd.io/ignore-sigterm"
	// AnnotationCrashAfter makes the process exit with code 1 that long
	// after each start.
	AnnotationCrashAfter = "sim.evictd.io/crash-after"
	// AnnotationCompleteAfter makes the process exit with code 0 that long
	// after each start (a Job's work).
	AnnotationCompleteAfter = "sim.evictd.io/complete-after"
	// AnnotationFailStart "true" makes every start fail (exit code 128,
	// reason StartError).
	AnnotationFailStart = "sim.evictd.io/fail-start"
	// AnnotationPreStopAfter is how long a preStop hook runs; it overrides
	// lifecycle.preStop.sleep.seconds and gives a hook to containers
	// without one.
	AnnotationPreStopAfter = "sim.evictd.io/prestop-after"
)

// initContainerRunTime is how long an init container runs before it
// completes, long enough for kubectl get pods to show Init:0/1.
const initContainerRunTime = time.Second

// behaviour is what a container's process does, from the pod's annotations
// and the container's spec.
type behaviour struct {
	readyAfter    time.Duration
	neverReady    bool
	handlesTerm   bool // exits cleanly after shutdownAfter on SIGTERM
	shutdownAfter time.Duration
	ignoreTerm    bool
	crashAfter    time.Duration // 0: never
	completeAfter time.Duration // 0: never
	failStart     bool
	preStop       time.Duration // 0: no hook
}

func behaviourOf(pod *corev1.Pod, c *corev1.Container, init bool) behaviour {
	a := pod.Annotations
	b := behaviour{
		neverReady: a[AnnotationNeverReady] == "true",
		ignoreTerm: a[AnnotationIgnoreSIGTERM] == "true",
		failStart:  a[AnnotationFailStart] == "true",
	}
	if c.ReadinessProbe != nil {
		b.readyAfter = time.Duration(c.ReadinessProbe.InitialDelaySeconds) * time.Second
	}
	if d, ok := duration(a, AnnotationReadyAfter); ok {
		b.readyAfter = d
	}
	b.shutdownAfter, b.handlesTerm = duration(a, AnnotationShutdownAfter)
	b.crashAfter, _ = duration(a, AnnotationCrashAfter)
	b.completeAfter, _ = duration(a, AnnotationCompleteAfter)
	if h := c.Lifecycle; h != nil && h.PreStop != nil && h.PreStop.Sleep != nil {
		b.preStop = time.Duration(h.PreStop.Sleep.Seconds) * time.Second
	}
	if d, ok := duration(a, AnnotationPreStopAfter); ok {
		b.preStop = d
	}
	if init {
		// Init containers run to completion; readiness and crashes are the
		// regular containers' business.
		b.readyAfter, b.neverReady, b.crashAfter = 0, false, 0
		b.completeAfter = initContainerRunTime
	}
	return b
}

// duration parses annotation key of a; negative values read as zero.
func duration(a map[string]string, key string) (time.Duration, bool) {
	v, ok := a[key]
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, false
	}
	return max(d, 0), true
}
