package daemonset

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"

	schedulinghelpers "k8s.io/component-helpers/scheduling/corev1"
)

// controllerKind is the kind in the ownerReferences the controller writes.
var controllerKind = appsv1.SchemeGroupVersion.WithKind("DaemonSet")

// nodeShouldRunDaemonPod is upstream's NodeShouldRunDaemonPod. shouldRun:
// a new daemon pod belongs on the node — the template's nodeName (if any)
// is the node, the nodeSelector and required node affinity match it, and
// the pod, with the automatic daemon tolerations, tolerates every
// NoSchedule and NoExecute taint. shouldContinueRunning: an existing pod
// may stay — as shouldRun, except that only NoExecute taints count. So a
// cordoned node (unschedulable taint, tolerated anyway) keeps and even
// gets its pod, and a new NoSchedule taint keeps the pod already there.
func nodeShouldRunDaemonPod(node *corev1.Node, set *appsv1.DaemonSet) (shouldRun, shouldContinueRunning bool) {
	if name := set.Spec.Template.Spec.NodeName; name != "" && name != node.Name {
		return false, false
	}
	pod := podForNode(set, node.Name)
	// A selector that does not parse matches nothing, as upstream (which
	// ignores the error for backwards compatibility).
	fits, _ := nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)
	if !fits {
		return false, false
	}
	if untolerated(node, pod, corev1.TaintEffectNoSchedule, corev1.TaintEffectNoExecute) {
		return false, !untolerated(node, pod, corev1.TaintEffectNoExecute)
	}
	return true, true
}

// untolerated reports whether the node has a taint of one of effects the
// pod does not tolerate.
func untolerated(node *corev1.Node, pod *corev1.Pod, effects ...corev1.TaintEffect) bool {
	_, found := schedulinghelpers.FindMatchingUntoleratedTaint(klog.Background(), node.Spec.Taints, pod.Spec.Tolerations,
		func(t *corev1.Taint) bool {
			for _, e := range effects {
				if t.Effect == e {
					return true
				}
			}
			return false
		}, false)
	return found
}

// podForNode is the pod the predicates judge: the template on the node,
// with the daemon tolerations.
func podForNode(set *appsv1.DaemonSet, nodeName string) *corev1.Pod {
	pod := &corev1.Pod{ObjectMeta: *set.Spec.Template.ObjectMeta.DeepCopy(), Spec: *set.Spec.Template.Spec.DeepCopy()}
	pod.Namespace = set.Namespace
	pod.Spec.NodeName = nodeName
	addDaemonTolerations(&pod.Spec)
	return pod
}

// addDaemonTolerations adds upstream's automatic DaemonSet tolerations:
// not-ready and unreachable NoExecute without tolerationSeconds (so the
// taint manager never evicts a daemon pod), the node-condition and
// unschedulable NoSchedule taints, and network-unavailable for host-network
// pods (which do not need the pod network).
func addDaemonTolerations(spec *corev1.PodSpec) {
	add := func(key string, effect corev1.TaintEffect) {
		addOrUpdateToleration(spec, corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: effect})
	}
	add(corev1.TaintNodeNotReady, corev1.TaintEffectNoExecute)
	add(corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute)
	add(corev1.TaintNodeDiskPressure, corev1.TaintEffectNoSchedule)
	add(corev1.TaintNodeMemoryPressure, corev1.TaintEffectNoSchedule)
	add(corev1.TaintNodePIDPressure, corev1.TaintEffectNoSchedule)
	add(corev1.TaintNodeUnschedulable, corev1.TaintEffectNoSchedule)
	if spec.HostNetwork {
		add(corev1.TaintNodeNetworkUnavailable, corev1.TaintEffectNoSchedule)
	}
}

// addOrUpdateToleration replaces a toleration with the same key, operator,
// value and effect (one with tolerationSeconds loses them), else appends.
func addOrUpdateToleration(spec *corev1.PodSpec, t corev1.Toleration) {
	for i := range spec.Tolerations {
		if t.MatchToleration(&spec.Tolerations[i]) {
			if !equality.Semantic.DeepEqual(t, spec.Tolerations[i]) {
				spec.Tolerations[i] = t
			}
			return
		}
	}
	spec.Tolerations = append(spec.Tolerations, t)
}
