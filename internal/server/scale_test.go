package server_test

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/pkg/testserver"
)

// TestScaleSubresource: GET, PUT and PATCH of deployments/scale speak
// autoscaling/v1 Scale (kubectl scale breaks on anything else) and change
// spec.replicas, bumping generation; a stale resourceVersion is a 409.
func TestScaleSubresource(t *testing.T) {
	t.Parallel()
	srv := testserver.StartWith(t, testserver.Options{WithoutControllers: true})
	client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
	ctx := t.Context()
	labels := map[string]string{"app": "web"}
	deploys := client.AppsV1().Deployments("default")
	d, err := deploys.Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := deploys.GetScale(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Spec.Replicas != 1 || sc.Status.Selector != "app=web" || sc.UID != d.UID {
		t.Fatalf("scale %+v", sc)
	}
	sc.Spec.Replicas = 3
	if sc, err = deploys.UpdateScale(ctx, "web", sc, metav1.UpdateOptions{}); err != nil || sc.Spec.Replicas != 3 {
		t.Fatalf("update scale: %v %+v", err, sc)
	}
	if _, err := deploys.Patch(ctx, "web", types.MergePatchType, []byte(`{"spec":{"replicas":5}}`), metav1.PatchOptions{}, "scale"); err != nil {
		t.Fatalf("patch scale: %v", err)
	}
	got, err := deploys.Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *got.Spec.Replicas != 5 || got.Generation != d.Generation+2 {
		t.Errorf("deployment after scaling: replicas %d generation %d (was %d)", *got.Spec.Replicas, got.Generation, d.Generation)
	}
	stale := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", ResourceVersion: d.ResourceVersion}, Spec: autoscalingv1.ScaleSpec{Replicas: 1}}
	if _, err := deploys.UpdateScale(ctx, "web", stale, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Errorf("stale scale update: %v, want Conflict", err)
	}
}
