package pod

import corev1 "k8s.io/api/core/v1"

// kube-apiserver stores the internal Pod type, in which a few v1 fields
// have no place of their own: they are derived again each time the pod is
// served as v1. evictd stores v1 directly, so it resolves the aliases as
// the v1→internal→v1 round trip would, once, when the object is written.

// resolveServiceAccountAlias keeps the deprecated spec.serviceAccount equal
// to spec.serviceAccountName. The old field is read only when the new one is
// empty, as upstream's conversion does.
func resolveServiceAccountAlias(spec *corev1.PodSpec) {
	if spec.ServiceAccountName == "" {
		spec.ServiceAccountName = spec.DeprecatedServiceAccount
	}
	spec.DeprecatedServiceAccount = spec.ServiceAccountName
}

// resolveStatusAliases keeps status.podIP equal to status.podIPs[0] and
// status.hostIP equal to status.hostIPs[0]. When both are sent and differ,
// the singular field wins (older kubelets only set it).
func resolveStatusAliases(status *corev1.PodStatus) {
	if ip := status.PodIP; ip != "" && (len(status.PodIPs) == 0 || status.PodIPs[0].IP != ip) {
		status.PodIPs = []corev1.PodIP{{IP: ip}}
	}
	if len(status.PodIPs) > 0 {
		status.PodIP = status.PodIPs[0].IP
	}
	if ip := status.HostIP; ip != "" && (len(status.HostIPs) == 0 || status.HostIPs[0].IP != ip) {
		status.HostIPs = []corev1.HostIP{{IP: ip}}
	}
	if len(status.HostIPs) > 0 {
		status.HostIP = status.HostIPs[0].IP
	}
}
