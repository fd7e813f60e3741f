package daemonset

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// newDS is a minimal DaemonSet as a client sends it.
func newDS() *appsv1.DaemonSet {
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "kube-system"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "agent"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "agent"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "agent", Image: "fluent-bit:3"}}},
			},
		},
	}
}

// defaulted is newDS changed by mutate, then defaulted.
func defaulted(mutate func(*appsv1.DaemonSet)) *appsv1.DaemonSet {
	ds := newDS()
	if mutate != nil {
		mutate(ds)
	}
	Resource().Strategy.Default(ds)
	return ds
}

// edited is a defaulted DaemonSet changed by mutate.
func edited(mutate func(*appsv1.DaemonSet)) *appsv1.DaemonSet {
	ds := defaulted(nil)
	if mutate != nil {
		mutate(ds)
	}
	return ds
}
