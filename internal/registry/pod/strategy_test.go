package pod

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	testclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

func newStrategy() strategy { return strategy{clock: testclock.NewFakePassiveClock(t0)} }

func TestResource(t *testing.T) {
	t.Parallel()
	r := Resource()
	if r.GroupVersionResource().String() != "/v1, Resource=pods" || r.Kind != "Pod" || r.ListKind != "PodList" ||
		r.Singular != "pod" || !r.Namespaced || r.ShortNames[0] != "po" || r.Categories[0] != "all" {
		t.Errorf("unexpected description: %+v", r)
	}
	if r.StatusStrategy == nil || r.Table == nil || r.SelectableFields == nil {
		t.Error("status strategy, table and selectable fields must be set")
	}
	if r.Strategy.AllowCreateOnUpdate() || !r.Strategy.AllowUnconditionalUpdate() {
		t.Error("pods: PUT may not create, may omit resourceVersion")
	}
	if Resource() == r {
		t.Error("Resource must return a fresh description")
	}
}

func TestPrepareForCreate(t *testing.T) {
	t.Parallel()
	pod := defaultedPod(func(p *corev1.Pod) {
		p.Spec.Containers[0].Resources.Limits = quantities("cpu", "1", "memory", "1Gi")
	})
	pod.Generation = 7
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.1", Conditions: []corev1.PodCondition{{Type: corev1.PodReady}}}
	newStrategy().PrepareForCreate(t.Context(), pod)
	assertSemanticEqual(t, pod.Status, corev1.PodStatus{Phase: corev1.PodPending, QOSClass: corev1.PodQOSGuaranteed})
	if pod.Generation != 1 {
		t.Errorf("generation %d, want 1", pod.Generation)
	}
	if pod.Spec.Priority == nil || *pod.Spec.Priority != 0 || *pod.Spec.PreemptionPolicy != corev1.PreemptLowerPriority {
		t.Errorf("priority %v preemptionPolicy %v, want 0 and PreemptLowerPriority", pod.Spec.Priority, pod.Spec.PreemptionPolicy)
	}
}

func TestPrepareForCreatePriority(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		className string
		priority  *int32
		want      *int32
	}{
		{name: "no class", want: ptr.To(int32(0))},
		{name: "system-node-critical", className: "system-node-critical", want: ptr.To(int32(2000001000))},
		{name: "system-cluster-critical", className: "system-cluster-critical", want: ptr.To(int32(2000000000))},
		{name: "unknown class stays unset", className: "batch-low"},
		{name: "priority set by the client is kept", priority: ptr.To(int32(5)), want: ptr.To(int32(5))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pod := defaultedPod(func(p *corev1.Pod) {
				p.Spec.PriorityClassName = tt.className
				p.Spec.Priority = tt.priority
			})
			newStrategy().PrepareForCreate(t.Context(), pod)
			if !ptr.Equal(pod.Spec.Priority, tt.want) {
				t.Errorf("priority %v, want %v", ptr.Deref(pod.Spec.Priority, -1), ptr.Deref(tt.want, -1))
			}
		})
	}
}

func TestPrepareForCreateSchedulingGated(t *testing.T) {
	t.Parallel()
	pod := defaultedPod(func(p *corev1.Pod) { p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/quota"}} })
	newStrategy().PrepareForCreate(t.Context(), pod)
	assertSemanticEqual(t, pod.Status.Conditions, []corev1.PodCondition{{
		Type:               corev1.PodScheduled,
		Status:             corev1.ConditionFalse,
		Reason:             "SchedulingGated",
		Message:            "Scheduling is blocked due to non-empty scheduling gates",
		LastTransitionTime: metav1.NewTime(t0),
	}})
}

func TestQOSClass(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*corev1.Pod)
		want   corev1.PodQOSClass
	}{{
		name: "no resources",
		want: corev1.PodQOSBestEffort,
	}, {
		name:   "limits only, requests defaulted from them",
		mutate: func(p *corev1.Pod) { p.Spec.Containers[0].Resources.Limits = quantities("cpu", "1", "memory", "1Gi") },
		want:   corev1.PodQOSGuaranteed,
	}, {
		name:   "requests only",
		mutate: func(p *corev1.Pod) { p.Spec.Containers[0].Resources.Requests = quantities("cpu", "100m") },
		want:   corev1.PodQOSBurstable,
	}, {
		name:   "cpu limit only",
		mutate: func(p *corev1.Pod) { p.Spec.Containers[0].Resources.Limits = quantities("cpu", "1") },
		want:   corev1.PodQOSBurstable,
	}, {
		name: "requests below limits",
		mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Limits = quantities("cpu", "1", "memory", "1Gi")
			p.Spec.Containers[0].Resources.Requests = quantities("cpu", "500m", "memory", "1Gi")
		},
		want: corev1.PodQOSBurstable,
	}, {
		name: "a best-effort init container next to a guaranteed container",
		mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Limits = quantities("cpu", "1", "memory", "1Gi")
			p.Spec.InitContainers = []corev1.Container{{Name: "init", Image: "busybox"}}
		},
		want: corev1.PodQOSBurstable,
	}, {
		name:   "only other resources",
		mutate: func(p *corev1.Pod) { p.Spec.Containers[0].Resources.Limits = quantities("ephemeral-storage", "1Gi") },
		want:   corev1.PodQOSBestEffort,
	}, {
		name: "pod-level resources decide",
		mutate: func(p *corev1.Pod) {
			p.Spec.Resources = &corev1.ResourceRequirements{Limits: quantities("cpu", "1", "memory", "1Gi"), Requests: quantities("cpu", "1", "memory", "1Gi")}
		},
		want: corev1.PodQOSGuaranteed,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := qosClass(defaultedPod(tt.mutate)); got != tt.want {
				t.Errorf("qosClass = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestPrepareForUpdate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		update         func(*corev1.Pod)
		wantGeneration int64
	}{
		{name: "metadata change keeps generation", update: func(p *corev1.Pod) { p.Labels = map[string]string{"a": "b"} }, wantGeneration: 1},
		{name: "spec change bumps generation", update: func(p *corev1.Pod) { p.Spec.Containers[0].Image = "nginx:2" }, wantGeneration: 2},
		{name: "status change is dropped", update: func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed }, wantGeneration: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			old := defaultedPod(nil)
			newStrategy().PrepareForCreate(t.Context(), old)
			pod := old.DeepCopy()
			tt.update(pod)
			newStrategy().PrepareForUpdate(t.Context(), pod, old)
			if pod.Generation != tt.wantGeneration {
				t.Errorf("generation %d, want %d", pod.Generation, tt.wantGeneration)
			}
			assertSemanticEqual(t, pod.Status, old.Status)
		})
	}
}
