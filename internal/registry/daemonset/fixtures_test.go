package daemonset

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
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

// checkErrors compares errors, as clients read them, with want, in order.
func checkErrors(t *testing.T, errs field.ErrorList, want ...string) {
	t.Helper()
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n got: %v\nwant: %q", len(errs), len(want), errs, want)
	}
	for i := range want {
		if got := errs[i].Error(); got != want[i] {
			t.Errorf("error %d:\n got: %s\nwant: %s", i, got, want[i])
		}
	}
}
