package statefulset

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// newSTS is a minimal StatefulSet as a client sends it.
func newSTS() *appsv1.StatefulSet {
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "default"},
		Spec: appsv1.StatefulSetSpec{
			ServiceName: "db",
			Selector:    &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "db"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "db", Image: "postgres:17"}}},
			},
		},
	}
}

// defaulted is newSTS changed by mutate, then defaulted.
func defaulted(mutate func(*appsv1.StatefulSet)) *appsv1.StatefulSet {
	sts := newSTS()
	if mutate != nil {
		mutate(sts)
	}
	Resource().Strategy.Default(sts)
	return sts
}

// edited is a defaulted StatefulSet changed by mutate, for validation tests
// that edit defaulted fields.
func edited(mutate func(*appsv1.StatefulSet)) *appsv1.StatefulSet {
	sts := defaulted(nil)
	if mutate != nil {
		mutate(sts)
	}
	return sts
}
