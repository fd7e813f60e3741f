package pod

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// The built-in priority classes every cluster has, with their values.
const (
	systemClusterCritical = "system-cluster-critical"
	systemNodeCritical    = "system-node-critical"
)

var builtinPriorities = map[string]int32{
	systemClusterCritical: 2000000000,
	systemNodeCritical:    2000001000,
}

// admitPriority does on create what the Priority admission plugin, enabled
// in every kube-apiserver, does: a pod without a priority class gets
// priority 0 (no class is marked globalDefault, since evictd serves no
// PriorityClass objects), the built-in classes get their values, and the
// preemption policy defaults to PreemptLowerPriority. A priority the client
// set is kept (upstream rejects one that differs from the class's value),
// and a pod naming another class keeps a nil priority.
func admitPriority(spec *corev1.PodSpec) {
	if spec.Priority == nil {
		if spec.PriorityClassName == "" {
			spec.Priority = ptr.To(int32(0))
		} else if p, ok := builtinPriorities[spec.PriorityClassName]; ok {
			spec.Priority = ptr.To(p)
		}
	}
	if spec.PreemptionPolicy == nil {
		spec.PreemptionPolicy = ptr.To(corev1.PreemptLowerPriority)
	}
}
