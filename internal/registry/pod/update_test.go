package pod

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// immutableSpecMsg is the start of upstream's message for a forbidden spec
// change; a description of the change follows it.
const immutableSpecMsg = "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n"

func TestValidateUpdate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		old        func(*corev1.Pod) // shapes the stored pod
		update     func(*corev1.Pod) // changes a copy of it
		want       []string
		wantPrefix string // for the spec immutability message, followed by a diff
		wantInDiff string
	}{{
		name:   "labels only",
		update: func(p *corev1.Pod) { p.Labels = map[string]string{"a": "b"} },
	}, {
		name:   "new image",
		update: func(p *corev1.Pod) { p.Spec.Containers[0].Image = "nginx:1.28" },
	}, {
		name:   "image removed",
		update: func(p *corev1.Pod) { p.Spec.Containers[0].Image = "" },
		want: []string{
			"spec.containers[0].image: Required value", // from the spec rules
			"spec.containers[0].image: Required value", // and again from the update rules, as upstream
		},
	}, {
		name:       "node name set by update",
		update:     func(p *corev1.Pod) { p.Spec.NodeName = "node-1" },
		wantPrefix: immutableSpecMsg,
		wantInDiff: `+ 	nodeName: "node-1",`,
	}, {
		name:       "environment changed",
		update:     func(p *corev1.Pod) { p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A", Value: "1"}} },
		wantPrefix: immutableSpecMsg,
		wantInDiff: "containers:",
	}, {
		name: "container added",
		update: func(p *corev1.Pod) {
			c := p.Spec.Containers[0]
			c.Name = "sidecar"
			p.Spec.Containers = append(p.Spec.Containers, c)
		},
		want: []string{"spec.containers: Forbidden: pod updates may not add or remove containers"},
	}, {
		name:   "active deadline set",
		update: func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr.To(int64(60)) },
	}, {
		name:   "active deadline lowered",
		old:    func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr.To(int64(60)) },
		update: func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr.To(int64(30)) },
	}, {
		name:   "active deadline raised",
		old:    func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr.To(int64(60)) },
		update: func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr.To(int64(90)) },
		want:   []string{"spec.activeDeadlineSeconds: Invalid value: 90: must be less than or equal to previous value"},
	}, {
		name:   "active deadline removed",
		old:    func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr.To(int64(60)) },
		update: func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = nil },
		want:   []string{"spec.activeDeadlineSeconds: Invalid value: null: must not update from a positive integer to nil value"},
	}, {
		name:   "toleration added",
		old:    func(p *corev1.Pod) { p.Spec.Tolerations = []corev1.Toleration{toleration("a", nil)} },
		update: func(p *corev1.Pod) { p.Spec.Tolerations = append(p.Spec.Tolerations, toleration("b", nil)) },
	}, {
		name:   "toleration seconds changed",
		old:    func(p *corev1.Pod) { p.Spec.Tolerations = []corev1.Toleration{toleration("a", ptr.To(int64(300)))} },
		update: func(p *corev1.Pod) { p.Spec.Tolerations = []corev1.Toleration{toleration("a", ptr.To(int64(60)))} },
	}, {
		name:   "toleration removed",
		old:    func(p *corev1.Pod) { p.Spec.Tolerations = []corev1.Toleration{toleration("a", nil)} },
		update: func(p *corev1.Pod) { p.Spec.Tolerations = nil },
		want:   []string{"spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds"},
	}, {
		name:   "negative grace period set to 1",
		old:    func(p *corev1.Pod) { p.Spec.TerminationGracePeriodSeconds = ptr.To(int64(-1)) },
		update: func(p *corev1.Pod) { p.Spec.TerminationGracePeriodSeconds = ptr.To(int64(1)) },
	}, {
		name:       "grace period changed",
		update:     func(p *corev1.Pod) { p.Spec.TerminationGracePeriodSeconds = ptr.To(int64(5)) },
		wantPrefix: immutableSpecMsg,
		wantInDiff: "- \tterminationGracePeriodSeconds: 30,\n+ \tterminationGracePeriodSeconds: 5,",
	}, {
		name:   "scheduling gate removed",
		old:    func(p *corev1.Pod) { p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/a"}} },
		update: func(p *corev1.Pod) { p.Spec.SchedulingGates = nil },
	}, {
		name:   "scheduling gate added",
		update: func(p *corev1.Pod) { p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/a"}} },
		want:   []string{"spec.schedulingGates[0].name: Forbidden: only deletion is allowed, but found new scheduling gate 'example.com/a'"},
	}, {
		name: "gated pod gains a node selector term",
		old: func(p *corev1.Pod) {
			p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/a"}}
			p.Spec.NodeSelector = map[string]string{"zone": "a"}
		},
		update: func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"zone": "a", "disk": "ssd"} },
	}, {
		name: "gated pod changes a node selector term",
		old: func(p *corev1.Pod) {
			p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/a"}}
			p.Spec.NodeSelector = map[string]string{"zone": "a"}
		},
		update: func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"zone": "b"} },
		want:   []string{`spec.nodeSelector: Invalid value: {"zone":"b"}: only additions to spec.nodeSelector are allowed (no mutations or deletions)`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			old := defaultedPod(tt.old)
			pod := old.DeepCopy()
			tt.update(pod)
			errs := validateUpdate(pod, old)
			if tt.wantPrefix == "" {
				assertMessages(t, errs, tt.want)
				return
			}
			msgs := messages(errs)
			if len(msgs) != 1 || !strings.HasPrefix(msgs[0], tt.wantPrefix) || !strings.Contains(msgs[0], tt.wantInDiff) {
				t.Errorf("got %q\nwant one error starting %q and containing %q", msgs, tt.wantPrefix, tt.wantInDiff)
			}
		})
	}
}

func toleration(key string, seconds *int64) corev1.Toleration {
	return corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: seconds}
}
