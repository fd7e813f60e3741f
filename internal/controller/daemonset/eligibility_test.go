package daemonset

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func taint(key string, effect corev1.TaintEffect) corev1.Taint {
	return corev1.Taint{Key: key, Value: "x", Effect: effect}
}

func TestNodeShouldRunDaemonPod(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		nodeLabels     map[string]string
		taints         []corev1.Taint
		mutate         func(*corev1.PodSpec)
		run, keepAlive bool
	}{
		{name: "plain node", run: true, keepAlive: true},
		{name: "cordoned node", taints: []corev1.Taint{taint(corev1.TaintNodeUnschedulable, corev1.TaintEffectNoSchedule)}, run: true, keepAlive: true},
		{name: "not-ready node", taints: []corev1.Taint{taint(corev1.TaintNodeNotReady, corev1.TaintEffectNoExecute)}, run: true, keepAlive: true},
		{name: "unreachable node", taints: []corev1.Taint{taint(corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute)}, run: true, keepAlive: true},
		{name: "memory pressure", taints: []corev1.Taint{taint(corev1.TaintNodeMemoryPressure, corev1.TaintEffectNoSchedule)}, run: true, keepAlive: true},
		{name: "network unavailable", taints: []corev1.Taint{taint(corev1.TaintNodeNetworkUnavailable, corev1.TaintEffectNoSchedule)}, keepAlive: true},
		{name: "network unavailable, host network", taints: []corev1.Taint{taint(corev1.TaintNodeNetworkUnavailable, corev1.TaintEffectNoSchedule)},
			mutate: func(s *corev1.PodSpec) { s.HostNetwork = true }, run: true, keepAlive: true},
		{name: "untolerated NoSchedule keeps a running pod", taints: []corev1.Taint{taint("dedicated", corev1.TaintEffectNoSchedule)}, keepAlive: true},
		{name: "untolerated NoExecute evicts", taints: []corev1.Taint{taint("dedicated", corev1.TaintEffectNoExecute)}},
		{name: "PreferNoSchedule is ignored", taints: []corev1.Taint{taint("dedicated", corev1.TaintEffectPreferNoSchedule)}, run: true, keepAlive: true},
		{name: "tolerated NoSchedule", taints: []corev1.Taint{taint("dedicated", corev1.TaintEffectNoSchedule)},
			mutate: func(s *corev1.PodSpec) {
				s.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists}}
			}, run: true, keepAlive: true},
		{name: "nodeSelector matches", nodeLabels: map[string]string{"disk": "ssd"},
			mutate: func(s *corev1.PodSpec) { s.NodeSelector = map[string]string{"disk": "ssd"} }, run: true, keepAlive: true},
		{name: "nodeSelector does not match", nodeLabels: map[string]string{"disk": "hdd"},
			mutate: func(s *corev1.PodSpec) { s.NodeSelector = map[string]string{"disk": "ssd"} }},
		{name: "node affinity does not match", mutate: func(s *corev1.PodSpec) {
			s.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
				NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchFields: []corev1.NodeSelectorRequirement{{
					Key: metav1.ObjectNameField, Operator: corev1.NodeSelectorOpIn, Values: []string{"other"},
				}}}},
			}}}
		}},
		{name: "template nodeName names another node", mutate: func(s *corev1.PodSpec) { s.NodeName = "other" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n", Labels: tt.nodeLabels}, Spec: corev1.NodeSpec{Taints: tt.taints}}
			set := newSet()
			if tt.mutate != nil {
				tt.mutate(&set.Spec.Template.Spec)
			}
			run, keepAlive := nodeShouldRunDaemonPod(node, set)
			if run != tt.run || keepAlive != tt.keepAlive {
				t.Errorf("shouldRun, shouldContinueRunning = %v, %v; want %v, %v", run, keepAlive, tt.run, tt.keepAlive)
			}
		})
	}
}

// A user toleration for not-ready with tolerationSeconds is replaced by
// the unlimited one, as upstream.
func TestDaemonTolerationsReplaceTimedOnes(t *testing.T) {
	t.Parallel()
	seconds := int64(300)
	spec := corev1.PodSpec{Tolerations: []corev1.Toleration{{
		Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &seconds,
	}}}
	addDaemonTolerations(&spec)
	if len(spec.Tolerations) != 6 {
		t.Fatalf("tolerations = %v, want 6", spec.Tolerations)
	}
	if spec.Tolerations[0].TolerationSeconds != nil {
		t.Errorf("not-ready toleration kept tolerationSeconds")
	}
}

func newSet() *appsv1.DaemonSet {
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "agent", UID: "agent-uid", Generation: 1},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "agent"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "agent"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "v1"}}},
			},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType},
		},
	}
}
