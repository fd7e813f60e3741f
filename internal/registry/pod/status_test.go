package pod

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestStatusPrepareForUpdate(t *testing.T) {
	t.Parallel()
	old := defaultedPod(nil)
	newStrategy().PrepareForCreate(t.Context(), old)
	old.OwnerReferences = []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "web", UID: "u1"}}
	old.Status.ObservedGeneration = 1
	old.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, ObservedGeneration: 1}}

	pod := old.DeepCopy()
	pod.Spec.NodeName = "node-1"
	pod.OwnerReferences = nil
	deleted := metav1.NewTime(t0)
	pod.DeletionTimestamp = &deleted
	pod.Labels = map[string]string{"kubelet": "wrote"}
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}
	statusStrategy{newStrategy()}.PrepareForUpdate(t.Context(), pod, old)

	assertSemanticEqual(t, pod.Spec, old.Spec)
	assertSemanticEqual(t, pod.OwnerReferences, old.OwnerReferences)
	if pod.DeletionTimestamp != nil {
		t.Error("deletionTimestamp must not be set through status")
	}
	if pod.Labels["kubelet"] != "wrote" {
		t.Error("pods/status may change labels, as upstream")
	}
	if pod.Status.Phase != corev1.PodRunning || pod.Status.QOSClass != corev1.PodQOSBestEffort {
		t.Errorf("phase %s qosClass %s: want the new phase and the stored QoS class", pod.Status.Phase, pod.Status.QOSClass)
	}
	if pod.Status.ObservedGeneration != 1 || pod.Status.Conditions[0].ObservedGeneration != 1 {
		t.Errorf("observed generations %d/%d, want 1/1 kept from the stored status", pod.Status.ObservedGeneration, pod.Status.Conditions[0].ObservedGeneration)
	}
}

func TestStatusValidateUpdate(t *testing.T) {
	t.Parallel()
	terminated := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0}}
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	tests := []struct {
		name   string
		old    func(*corev1.Pod)
		update func(*corev1.Pod)
		want   []string
	}{{
		name:   "phase and conditions",
		update: func(p *corev1.Pod) { p.Status.Phase = corev1.PodRunning; p.Status.Conditions = readyCondition() },
	}, {
		name:   "custom condition type must be qualified",
		update: func(p *corev1.Pod) { p.Status.Conditions = []corev1.PodCondition{{Type: "bad type!"}} },
		want:   []string{`metadata.conditions[0].Type: Invalid value: "bad type!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`},
	}, {
		name:   "QoS class changed",
		update: func(p *corev1.Pod) { p.Status.QOSClass = corev1.PodQOSGuaranteed },
		want:   []string{`status.qosClass: Invalid value: "Guaranteed": field is immutable`},
	}, {
		name:   "invalid nominated node",
		update: func(p *corev1.Pod) { p.Status.NominatedNodeName = "Node_1" },
		want:   []string{`status.nominatedNodeName: Invalid value: "Node_1": ` + dnsSubdomainMsg},
	}, {
		name: "terminated container restarted under restartPolicy Never",
		old: func(p *corev1.Pod) {
			p.Spec.RestartPolicy = corev1.RestartPolicyNever
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: terminated}}
		},
		update: func(p *corev1.Pod) { p.Status.ContainerStatuses[0].State = running },
		want:   []string{"status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state"},
	}, {
		name: "terminated container restarted under restartPolicy Always",
		old: func(p *corev1.Pod) {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: terminated}}
		},
		update: func(p *corev1.Pod) { p.Status.ContainerStatuses[0].State = running },
	}, {
		name:   "two pod IPs of one family",
		update: func(p *corev1.Pod) { p.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.1"}, {IP: "10.0.0.2"}} },
		want:   []string{`status.podIPs: Invalid value: [{"ip":"10.0.0.1"},{"ip":"10.0.0.2"}]: may specify no more than one IP for each IP family`},
	}, {
		name:   "dual-stack pod IPs",
		update: func(p *corev1.Pod) { p.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.1"}, {IP: "fd00::1"}} },
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			old := defaultedPod(tt.old)
			old.Status.QOSClass = corev1.PodQOSBestEffort
			pod := old.DeepCopy()
			tt.update(pod)
			s := statusStrategy{newStrategy()}
			s.Default(pod)
			s.PrepareForUpdate(t.Context(), pod, old)
			assertMessages(t, s.ValidateUpdate(t.Context(), pod, old), tt.want)
		})
	}
}

func readyCondition() []corev1.PodCondition {
	return []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
}
