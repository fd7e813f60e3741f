package namespace_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/component"
	"github.com/evictd/evictd/internal/controller/garbagecollector"
	"github.com/evictd/evictd/internal/controller/namespace"
	"github.com/evictd/evictd/pkg/testserver"
)

func start(t *testing.T) kubernetes.Interface {
	t.Helper()
	srv := testserver.StartWith(t, testserver.Options{WithoutControllers: true})
	cfg := srv.RESTConfig()
	cfg.QPS, cfg.Burst = -1, -1 // the test polls; the collector lists every resource
	cc, err := component.NewContext(cfg, component.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		component.Run(ctx, cc, []component.Component{namespace.Component(), garbagecollector.Component()})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return kubernetes.NewForConfigOrDie(cfg)
}

func pod(name, node string, grace int64) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{NodeName: node, TerminationGracePeriodSeconds: &grace,
			Containers: []corev1.Container{{Name: "c", Image: "i"}}},
	}
}

func eventually(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func condition(ns *corev1.Namespace, t corev1.NamespaceConditionType) corev1.NamespaceCondition {
	for _, c := range ns.Status.Conditions {
		if c.Type == t {
			return c
		}
	}
	return corev1.NamespaceCondition{}
}

// TestDeletingANamespaceEmptiesAndRemovesIt: configmaps, services and
// pods go; a pod on a node (no kubelet here) keeps the namespace, with
// the ContentRemaining condition, until it is force-deleted.
func TestDeletingANamespaceEmptiesAndRemovesIt(t *testing.T) {
	t.Parallel()
	client := start(t)
	ctx := t.Context()
	if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "keep"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b"} {
		if _, err := client.CoreV1().ConfigMaps("team").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}}
		if _, err := client.CoreV1().Services("team").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := client.CoreV1().Pods("team").Create(ctx, pod("unbound-"+name, "", 30), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := client.CoreV1().Pods("team").Create(ctx, pod("bound", "node-1", 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := client.CoreV1().Namespaces().Delete(ctx, "team", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}

	var ns *corev1.Namespace
	eventually(t, "the bound pod reported as remaining", 15*time.Second, func() bool {
		var err error
		ns, err = client.CoreV1().Namespaces().Get(ctx, "team", metav1.GetOptions{})
		return err == nil && condition(ns, corev1.NamespaceContentRemaining).Status == corev1.ConditionTrue
	})
	if c := condition(ns, corev1.NamespaceContentRemaining); c.Reason != "SomeResourcesRemain" || c.Message != "Some resources are remaining: pods. has 1 resource instances" {
		t.Errorf("NamespaceContentRemaining = %+v", c)
	}
	if c := condition(ns, corev1.NamespaceDeletionDiscoveryFailure); c.Status != corev1.ConditionFalse || c.Reason != "ResourcesDiscovered" {
		t.Errorf("NamespaceDeletionDiscoveryFailure = %+v", c)
	}
	for _, list := range []func() (int, error){
		func() (int, error) {
			l, err := client.CoreV1().ConfigMaps("team").List(ctx, metav1.ListOptions{})
			return len(l.Items), err
		},
		func() (int, error) {
			l, err := client.CoreV1().Services("team").List(ctx, metav1.ListOptions{})
			return len(l.Items), err
		},
	} {
		if n, err := list(); err != nil || n != 0 {
			t.Errorf("content left while a pod terminates: %d, %v", n, err)
		}
	}

	zero := int64(0)
	if err := client.CoreV1().Pods("team").Delete(ctx, "bound", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "namespace removed", 10*time.Second, func() bool {
		_, err := client.CoreV1().Namespaces().Get(ctx, "team", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
	if _, err := client.CoreV1().ConfigMaps("default").Get(ctx, "keep", metav1.GetOptions{}); err != nil {
		t.Errorf("content of another namespace: %v", err)
	}
}
