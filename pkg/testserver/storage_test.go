package testserver_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/storage/etcd/etcdtest"
	"github.com/evictd/evictd/pkg/testserver"
)

// TestStorageEtcd runs a server on an etcd of its own and two on one
// shared etcd: each serves writes, lists and watches, and the servers on
// the shared etcd do not see each other's objects.
func TestStorageEtcd(t *testing.T) {
	t.Parallel()
	t.Run("embedded", func(t *testing.T) {
		t.Parallel()
		srv := testserver.StartWith(t, testserver.Options{Storage: testserver.StorageEtcd, WithoutControllers: true})
		wantServes(t, kubernetes.NewForConfigOrDie(srv.RESTConfig()))
	})
	t.Run("shared external", func(t *testing.T) {
		t.Parallel()
		endpoint := "http://" + etcdtest.Start(t).Endpoints()[0]
		opts := testserver.Options{Storage: testserver.StorageEtcd, EtcdServers: []string{endpoint}, WithoutControllers: true}
		a := kubernetes.NewForConfigOrDie(testserver.StartWith(t, opts).RESTConfig())
		b := kubernetes.NewForConfigOrDie(testserver.StartWith(t, opts).RESTConfig())
		wantServes(t, a)
		if _, err := b.CoreV1().Pods("default").Get(t.Context(), "p", metav1.GetOptions{}); err == nil {
			t.Fatal("a pod created through one server is visible in the other")
		}
		wantServes(t, b)
	})
}

// wantServes creates the pod default/p, then checks that a list and a
// watch from before the create see it.
func wantServes(t *testing.T, client kubernetes.Interface) {
	t.Helper()
	ctx := t.Context()
	pods := client.CoreV1().Pods("default")
	before, err := pods.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := pods.Watch(ctx, metav1.ListOptions{ResourceVersion: before.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}}}
	if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-w.ResultChan():
		if p, ok := ev.Object.(*corev1.Pod); ev.Type != watch.Added || !ok || p.Name != "p" {
			t.Errorf("watch event %s %T, want ADDED pod p", ev.Type, ev.Object)
		}
	case <-time.After(10 * time.Second):
		t.Error("the watch saw no event 10 s after the create")
	}
	after, err := pods.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Items) != 1 || after.Items[0].Name != "p" {
		t.Errorf("pods after the create: %+v, want p", after.Items)
	}
}

func TestStorageRefusesBadOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts testserver.Options
		want string
	}{
		{name: "unknown storage", opts: testserver.Options{Storage: "disk"}, want: `Storage "disk"`},
		{name: "etcd servers on memory", opts: testserver.Options{EtcdServers: []string{"http://127.0.0.1:2379"}}, want: "EtcdServers needs Storage etcd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, err := testserver.New(context.Background(), tt.opts)
			if err == nil {
				_ = srv.Stop(context.Background())
				t.Fatalf("New succeeded, want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}
