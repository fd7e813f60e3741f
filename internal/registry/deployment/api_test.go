package deployment_test

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/pkg/testserver"
)

// TestLifecycleOverHTTP drives a Deployment through client-go against a
// real evictd: defaults on create, a rollout bumping generation, a
// controller status write, and a refused selector change.
func TestLifecycleOverHTTP(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	deployments := kubernetes.NewForConfigOrDie(startServer(t).RESTConfig()).AppsV1().Deployments("default")
	d, err := deployments.Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}}},
			},
		},
		Status: appsv1.DeploymentStatus{Replicas: 9},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Generation != 1 || *d.Spec.Replicas != 1 || d.Spec.Strategy.RollingUpdate.MaxSurge.String() != "25%" || d.Status.Replicas != 0 {
		t.Fatalf("created: generation %d spec %+v status %+v", d.Generation, d.Spec, d.Status)
	}

	d.Spec.Template.Spec.Containers[0].Image = "nginx:1.28"
	if d, err = deployments.Update(ctx, d, metav1.UpdateOptions{}); err != nil || d.Generation != 2 {
		t.Fatalf("rollout: generation %d, err %v", d.Generation, err)
	}
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 1, UpdatedReplicas: 1}
	if d, err = deployments.UpdateStatus(ctx, d, metav1.UpdateOptions{}); err != nil || d.Generation != 2 || d.Status.UpdatedReplicas != 1 {
		t.Fatalf("status: generation %d status %+v, err %v", d.Generation, d.Status, err)
	}

	d.Spec.Selector.MatchLabels["tier"] = "fe"
	d.Spec.Template.Labels["tier"] = "fe"
	d.Spec.Replicas = ptr.To[int32](2)
	_, err = deployments.Update(ctx, d, metav1.UpdateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.selector: Invalid value: ") || !strings.Contains(err.Error(), "field is immutable") {
		t.Fatalf("selector change: got %v", err)
	}
}

// startServer starts an evictd for one test, without the in-process
// controllers this test does not need.
func startServer(t *testing.T) *testserver.Server {
	t.Helper()
	srv, err := testserver.New(context.Background(), testserver.Options{WithoutControllers: true})
	if err != nil {
		t.Fatalf("start evictd: %v", err)
	}
	t.Cleanup(func() {
		// Bounded like testserver.Start's shutdown: a hang fails the test.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Stop(ctx); err != nil {
			t.Errorf("stop evictd: %v", err)
		}
	})
	return srv
}
