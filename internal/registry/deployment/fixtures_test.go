package deployment

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// newDeployment is a minimal Deployment as a client sends it.
func newDeployment() *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}}},
			},
		},
	}
}

// defaulted is newDeployment changed by mutate, then defaulted.
func defaulted(mutate func(*appsv1.Deployment)) *appsv1.Deployment {
	d := newDeployment()
	if mutate != nil {
		mutate(d)
	}
	Resource().Strategy.Default(d)
	return d
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
