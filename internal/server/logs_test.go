package server_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/kubelet"
	"github.com/evictd/evictd/internal/pki"
	"github.com/evictd/evictd/internal/server"
)

// startWithKubelets runs a server with one simulated node and no
// controllers.
func startWithKubelets(t *testing.T) kubernetes.Interface {
	t.Helper()
	bundle, err := pki.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.Start(t.Context(), server.Config{Listen: "127.0.0.1:0", PKI: bundle, Log: slog.New(slog.DiscardHandler),
		Controllers: []string{"none"}, Kubelet: kubelet.Options{Nodes: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return kubernetes.NewForConfigOrDie(srv.RESTConfig())
}

func TestPodLogs(t *testing.T) {
	t.Parallel()
	client := startWithKubelets(t)
	ctx := t.Context()
	pods := client.CoreV1().Pods(metav1.NamespaceDefault)
	pod := testPod("web")
	pod.Spec.NodeName = "node-1"
	if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 15*time.Second, true, func(context.Context) (bool, error) {
		p, err := pods.Get(ctx, "web", metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning, nil
	})
	if err != nil {
		t.Fatalf("pod never ran: %v", err)
	}
	tests := []struct {
		name    string
		opts    corev1.PodLogOptions
		want    string
		wantErr func(error) bool
	}{
		{name: "log", want: "started\n"},
		{name: "timestamps", opts: corev1.PodLogOptions{Timestamps: true}, want: "started\n"},
		{name: "limit bytes", opts: corev1.PodLogOptions{LimitBytes: ptr[int64](4)}, want: ""},
		{name: "negative tail is invalid", opts: corev1.PodLogOptions{TailLines: ptr[int64](-1)}, wantErr: apierrors.IsInvalid},
		{name: "unknown container", opts: corev1.PodLogOptions{Container: "nope"}, wantErr: apierrors.IsBadRequest},
		{name: "no previous instance", opts: corev1.PodLogOptions{Previous: true}, wantErr: apierrors.IsBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := pods.GetLogs("web", &tt.opts).DoRaw(ctx)
			if tt.wantErr != nil {
				if !tt.wantErr(err) {
					t.Fatalf("err = %v, %s", err, out)
				}
				return
			}
			if err != nil || !strings.Contains(string(out), tt.want) {
				t.Errorf("log = %q, %v; want it to contain %q", out, err, tt.want)
			}
		})
	}
	// A query parameter that does not parse is a 400.
	err = client.CoreV1().RESTClient().Get().Namespace("default").Resource("pods").Name("web").SubResource("log").
		Param("follow", "maybe").Do(ctx).Error()
	if !apierrors.IsBadRequest(err) {
		t.Errorf("follow=maybe: %v, want 400", err)
	}
	if _, err := client.CoreV1().Pods("default").GetLogs("nope", &corev1.PodLogOptions{}).DoRaw(ctx); !apierrors.IsNotFound(err) {
		t.Errorf("log of a missing pod: %v, want 404", err)
	}
}

func TestFollowPodLogs(t *testing.T) {
	t.Parallel()
	client := startWithKubelets(t)
	ctx := t.Context()
	pods := client.CoreV1().Pods(metav1.NamespaceDefault)
	pod := testPod("web")
	pod.Spec.NodeName = "node-1"
	pod.Annotations = map[string]string{kubelet.AnnotationShutdownAfter: "200ms"}
	if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var stream interface {
		Read([]byte) (int, error)
		Close() error
	}
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 15*time.Second, true, func(context.Context) (bool, error) {
		s, err := pods.GetLogs("web", &corev1.PodLogOptions{Follow: true}).Stream(ctx)
		stream = s
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("no log stream: %v", err)
	}
	defer stream.Close()
	if err := pods.Delete(ctx, "web", metav1.DeleteOptions{GracePeriodSeconds: ptr[int64](5)}); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	buf := make([]byte, 512)
	for {
		n, err := stream.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	for _, want := range []string{"started", "SIGTERM received", "exited with code 0"} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("followed log %q lacks %q", sb.String(), want)
		}
	}
}
