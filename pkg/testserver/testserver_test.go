package testserver_test

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/pkg/testserver"
)

func TestStartServesClientGo(t *testing.T) {
	t.Parallel()
	srv := testserver.Start(t)
	client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
	namespaces, err := client.CoreV1().Namespaces().List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(namespaces.Items) != 4 {
		t.Errorf("namespaces at start: %d, want default, kube-system, kube-public, kube-node-lease", len(namespaces.Items))
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}}}
	if _, err := client.CoreV1().Pods("default").Create(t.Context(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestServersAreIndependent(t *testing.T) {
	t.Parallel()
	a, b := testserver.Start(t), testserver.Start(t)
	if a.URL() == b.URL() {
		t.Fatalf("both servers on %s", a.URL())
	}
	ca := kubernetes.NewForConfigOrDie(a.RESTConfig())
	cb := kubernetes.NewForConfigOrDie(b.RESTConfig())
	if _, err := ca.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "only-in-a"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cb.CoreV1().Namespaces().Get(t.Context(), "only-in-a", metav1.GetOptions{}); err == nil {
		t.Fatal("a namespace created in one server is visible in the other")
	}
}

// BenchmarkStart measures start-up: new certificates, an empty store, the
// system namespaces, and a listener accepting connections.
func BenchmarkStart(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		srv, err := testserver.New(context.Background(), testserver.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := srv.Stop(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
