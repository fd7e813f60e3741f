package node

import corev1 "k8s.io/api/core/v1"

// Default applies upstream's node defaults (SetObjectDefaults_Node):
// allocatable is the capacity when the kubelet reports no allocatable, and
// quantities are rounded up to milli precision. Nothing in the spec, nor
// status.daemonEndpoints, has a default.
func Default(node *corev1.Node) {
	status := &node.Status
	if status.Allocatable == nil && status.Capacity != nil {
		status.Allocatable = make(corev1.ResourceList, len(status.Capacity))
		for name, q := range status.Capacity {
			status.Allocatable[name] = q.DeepCopy()
		}
	}
	roundUp(status.Capacity)
	roundUp(status.Allocatable)
}

// roundUp rounds quantities up to milli precision (upstream's
// SetDefaults_ResourceList).
func roundUp(list corev1.ResourceList) {
	for name, q := range list {
		q.RoundUp(-3)
		list[name] = q
	}
}
