package pod

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// defaultTolerationSeconds is kube-apiserver's
// --default-not-ready-toleration-seconds and
// --default-unreachable-toleration-seconds: how long a pod stays bound to a
// node that became not-ready or unreachable before the taint eviction
// controller deletes it.
const defaultTolerationSeconds = 300

// admitDefaultTolerationSeconds does what the DefaultTolerationSeconds
// admission plugin, enabled in every kube-apiserver, does on pod create and
// update: a pod that does not tolerate the node.kubernetes.io/not-ready or
// node.kubernetes.io/unreachable NoExecute taint gets a toleration for it
// with tolerationSeconds 300. A toleration counts when its key is the
// taint's or empty (all keys) and its effect is NoExecute or empty (all
// effects); upstream looks at neither its operator nor its value.
func admitDefaultTolerationSeconds(spec *corev1.PodSpec) {
	notReady, unreachable := false, false
	for _, t := range spec.Tolerations {
		if t.Effect != "" && t.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		notReady = notReady || t.Key == "" || t.Key == corev1.TaintNodeNotReady
		unreachable = unreachable || t.Key == "" || t.Key == corev1.TaintNodeUnreachable
	}
	if !notReady {
		spec.Tolerations = append(spec.Tolerations, defaultToleration(corev1.TaintNodeNotReady))
	}
	if !unreachable {
		spec.Tolerations = append(spec.Tolerations, defaultToleration(corev1.TaintNodeUnreachable))
	}
}

func defaultToleration(key string) corev1.Toleration {
	return corev1.Toleration{
		Key:               key,
		Operator:          corev1.TolerationOpExists,
		Effect:            corev1.TaintEffectNoExecute,
		TolerationSeconds: ptr.To[int64](defaultTolerationSeconds),
	}
}
