package server_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/pkg/testserver"
)

// TestClusterIPsAreReleased: a cluster IP comes back to the pool when its
// service is deleted, and a dry-run create never keeps one.
func TestClusterIPsAreReleased(t *testing.T) {
	t.Parallel()
	srv := testserver.StartWith(t, testserver.Options{WithoutControllers: true})
	services := kubernetes.NewForConfigOrDie(srv.RESTConfig()).CoreV1().Services("default")
	ctx := t.Context()
	svc := func(name string) *corev1.Service {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.ServiceSpec{
			ClusterIP: "10.96.7.7", Ports: []corev1.ServicePort{{Port: 80}}}}
	}
	if _, err := services.Create(ctx, svc("dry"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatalf("dry-run create: %v", err)
	}
	if _, err := services.Create(ctx, svc("first"), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create after a dry run with the same IP: %v", err)
	}
	if _, err := services.Create(ctx, svc("second"), metav1.CreateOptions{}); err == nil {
		t.Fatal("two services got the same cluster IP")
	}
	if err := services.Delete(ctx, "first", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := services.Create(ctx, svc("second"), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create after the IP's service was deleted: %v", err)
	}
}
