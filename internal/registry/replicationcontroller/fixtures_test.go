package replicationcontroller

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// newRC is a minimal ReplicationController as a client sends it: no
// selector, no labels, both taken from the template.
func newRC() *corev1.ReplicationController {
	return &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.ReplicationControllerSpec{
			Template: &corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}}},
			},
		},
	}
}

// defaulted is newRC changed by mutate, then defaulted.
func defaulted(mutate func(*corev1.ReplicationController)) *corev1.ReplicationController {
	rc := newRC()
	if mutate != nil {
		mutate(rc)
	}
	Resource().Strategy.Default(rc)
	return rc
}

// edited is a defaulted ReplicationController changed by mutate.
func edited(mutate func(*corev1.ReplicationController)) *corev1.ReplicationController {
	rc := defaulted(nil)
	if mutate != nil {
		mutate(rc)
	}
	return rc
}
