package daemonset

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
)

// The internal DaemonSet type has a spec.templateGeneration that counts
// template changes; apps/v1 has no such field, and kube-apiserver shows it
// as the deprecated.daemonset.template.generation annotation instead. The
// server owns it: it starts at 1, a client's value is replaced by the
// stored one, and it goes up by one with every template change. (Upstream
// refuses a create whose annotation is not a number; evictd resets it.)

// templateGeneration is the annotation's value, 0 when missing or invalid.
func templateGeneration(ds *appsv1.DaemonSet) int64 {
	n, err := strconv.ParseInt(ds.Annotations[appsv1.DeprecatedTemplateGeneration], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// setTemplateGeneration writes the annotation.
func setTemplateGeneration(ds *appsv1.DaemonSet, n int64) {
	if ds.Annotations == nil {
		ds.Annotations = map[string]string{}
	}
	ds.Annotations[appsv1.DeprecatedTemplateGeneration] = strconv.FormatInt(n, 10)
}
