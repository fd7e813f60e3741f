package serviceaccount_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/component"
	"github.com/evictd/evictd/internal/controller/kubernetesservice"
	"github.com/evictd/evictd/internal/controller/rootcacert"
	"github.com/evictd/evictd/internal/controller/serviceaccount"
	"github.com/evictd/evictd/pkg/testserver"
)

const caPEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

// TestEveryClusterHas runs the three small controllers against a real API
// server: a new namespace gets "default" and kube-root-ca.crt within a
// second, both come back after a delete or an edit, and default/kubernetes
// points at the server.
func TestEveryClusterHas(t *testing.T) {
	t.Parallel()
	srv := testserver.StartWith(t, testserver.Options{WithoutControllers: true})
	// Unthrottled, as the server's in-process controllers are; the test
	// polls through a client of its own.
	cfg := srv.RESTConfig()
	cfg.QPS = -1
	cc, err := component.NewContext(cfg, component.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		component.Run(ctx, cc, []component.Component{
			serviceaccount.Component(), rootcacert.Component([]byte(caPEM)), kubernetesservice.Component("127.0.0.1", 6443),
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	client := kubernetes.NewForConfigOrDie(cfg)
	// The system namespaces are furnished once the caches have synced.
	waitFor(t, "the controllers to start", 10*time.Second, func() bool {
		_, err := client.CoreV1().ServiceAccounts("kube-system").Get(t.Context(), "default", metav1.GetOptions{})
		return err == nil
	})

	start := time.Now()
	if _, err := client.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "default service account", time.Second, func() bool {
		_, err := client.CoreV1().ServiceAccounts("team").Get(t.Context(), "default", metav1.GetOptions{})
		return err == nil
	})
	t.Logf("default service account after %v", time.Since(start))
	waitFor(t, "kube-root-ca.crt", time.Second, func() bool {
		cm, err := client.CoreV1().ConfigMaps("team").Get(t.Context(), rootcacert.ConfigMapName, metav1.GetOptions{})
		return err == nil && cm.Data["ca.crt"] == caPEM && cm.Annotations[rootcacert.DescriptionAnnotation] == rootcacert.Description
	})
	t.Logf("namespace furnished in %v", time.Since(start))

	if err := client.CoreV1().ServiceAccounts("team").Delete(t.Context(), "default", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "default recreated", 5*time.Second, func() bool {
		_, err := client.CoreV1().ServiceAccounts("team").Get(t.Context(), "default", metav1.GetOptions{})
		return err == nil
	})
	cm, err := client.CoreV1().ConfigMaps("team").Get(t.Context(), rootcacert.ConfigMapName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data["ca.crt"] = "tampered"
	if _, err := client.CoreV1().ConfigMaps("team").Update(t.Context(), cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "kube-root-ca.crt restored", 5*time.Second, func() bool {
		cm, err := client.CoreV1().ConfigMaps("team").Get(t.Context(), rootcacert.ConfigMapName, metav1.GetOptions{})
		return err == nil && cm.Data["ca.crt"] == caPEM
	})

	waitFor(t, "default/kubernetes service and endpoints", 5*time.Second, func() bool {
		svc, err := client.CoreV1().Services("default").Get(t.Context(), "kubernetes", metav1.GetOptions{})
		if err != nil || svc.Spec.ClusterIP != kubernetesservice.DefaultServiceIP {
			return false
		}
		if _, err := kubernetesservice.AdvertiseAddress("127.0.0.1"); err != nil {
			return true // no usable interface address here: no Endpoints to check
		}
		ep, err := client.CoreV1().Endpoints("default").Get(t.Context(), "kubernetes", metav1.GetOptions{})
		return err == nil && len(ep.Subsets) == 1 && ep.Subsets[0].Ports[0].Port == 6443
	})
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), 5*time.Millisecond, timeout, true, func(context.Context) (bool, error) { return cond(), nil })
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}
