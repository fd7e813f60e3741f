package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/evictd/evictd/internal/kubelet"
	"github.com/evictd/evictd/internal/pki"
	"github.com/evictd/evictd/internal/storage"
	"github.com/evictd/evictd/internal/storage/memory"
)

// holdingStorage holds every Get of one key until release is closed, so a
// test can keep a request in flight without sleeping; entered is closed
// when the first such Get arrives.
type holdingStorage struct {
	storage.Interface
	key     string
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (h *holdingStorage) Get(ctx context.Context, key string) (storage.KeyValue, error) {
	if key == h.key {
		h.once.Do(func() { close(h.entered) })
		<-h.release
	}
	return h.Interface.Get(ctx, key)
}

// TestShutdownDrains: during Shutdown a request in flight finishes and is
// answered; a new one gets kube-apiserver's 429 with Retry-After: 5 and
// Connection: close; /readyz fails while /livez stays ok; an open watch
// ends with a clean end of stream (the client-go channel closes with no
// Error event); once Shutdown has returned, connections are refused.
func TestShutdownDrains(t *testing.T) {
	t.Parallel()
	held := &holdingStorage{Interface: memory.New(memory.Options{}), key: "/core/configmaps/default/held",
		entered: make(chan struct{}), release: make(chan struct{})}
	bundle, err := pki.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Start(t.Context(), Config{Listen: "127.0.0.1:0", PKI: bundle, Storage: held})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
	ctx := t.Context()
	if _, err := client.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "held"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	w, err := client.CoreV1().ConfigMaps("default").Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ev := <-w.ResultChan(); ev.Type != watch.Added {
		t.Fatalf("first watch event %s %v, want ADDED", ev.Type, ev.Object)
	}

	inflight := make(chan error, 1)
	go func() {
		_, err := client.CoreV1().ConfigMaps("default").Get(ctx, "held", metav1.GetOptions{})
		inflight <- err
	}()
	<-held.entered
	shutdown := make(chan error, 1)
	go func() { shutdown <- srv.Shutdown(context.Background()) }()
	<-srv.drain.closing

	for ev := range w.ResultChan() {
		t.Errorf("watch during shutdown: %s %v, want the channel closed with no event", ev.Type, ev.Object)
	}
	code, header, body := rawGet(t, srv.RESTConfig(), "/api/v1/namespaces/default/configmaps")
	if code != http.StatusTooManyRequests || header.Get("Retry-After") != "5" || !strings.Contains(body, shutdownMessage) {
		t.Errorf("new request during shutdown: %d Retry-After %q %q, want 429 Retry-After 5 %q", code, header.Get("Retry-After"), body, shutdownMessage)
	}
	if code, _, body := rawGet(t, srv.RESTConfig(), "/readyz"); code != http.StatusInternalServerError || !strings.Contains(body, "[-]shutdown failed") {
		t.Errorf("/readyz during shutdown: %d %q, want 500 [-]shutdown failed", code, body)
	}
	if code, _, _ := rawGet(t, srv.RESTConfig(), "/livez"); code != http.StatusOK {
		t.Errorf("/livez during shutdown: %d, want 200", code)
	}
	select {
	case err := <-shutdown:
		t.Fatalf("Shutdown returned (%v) with a request in flight", err)
	default:
	}
	close(held.release)
	if err := <-inflight; err != nil {
		t.Errorf("request in flight during shutdown: %v", err)
	}
	if err := <-shutdown; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if _, err := client.CoreV1().ConfigMaps("default").Get(ctx, "held", metav1.GetOptions{}); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("request after Shutdown: %v, want connection refused", err)
	}
}

// rawGet sends one GET on a connection of its own, with no client-go
// retries.
func rawGet(t *testing.T, cfg *rest.Config, path string) (int, http.Header, string) {
	t.Helper()
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer hc.CloseIdleConnections()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, cfg.Host+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

// lockedBuffer is an io.Writer for klog, which writes from many goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestShutdownLeavesNoEventNoise: the in-process components' last events,
// which client-go's event sink posts after they have stopped, are written
// before the storage closes, never to a closed listener: no "connection
// refused" nor "Unable to write event" in klog's output. Not parallel:
// klog's output is global.
func TestShutdownLeavesNoEventNoise(t *testing.T) {
	var klogged lockedBuffer
	klog.LogToStderr(false)
	klog.SetOutput(&klogged)
	t.Cleanup(func() {
		klog.SetOutput(os.Stderr)
		klog.LogToStderr(true)
	})
	bundle, err := pki.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Start(t.Context(), Config{Listen: "127.0.0.1:0", PKI: bundle, Log: slog.New(slog.DiscardHandler), Controllers: []string{"*"}, Kubelet: kubelet.Options{Nodes: 2}})
	if err != nil {
		t.Fatal(err)
	}
	client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
	ctx := t.Context()
	events, err := client.CoreV1().Events("default").Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app": "noisy"}
	replicas := int32(20)
	deployment := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "noisy"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}},
			},
		},
	}
	if _, err := client.AppsV1().Deployments("default").Create(ctx, deployment, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Stop while the controllers, scheduler and kubelets are busiest
	// recording events: after the first few have landed.
	for range 5 {
		if _, ok := <-events.ResultChan(); !ok {
			t.Fatal("event watch ended early")
		}
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	klog.Flush()
	for _, line := range strings.Split(klogged.String(), "\n") {
		if strings.Contains(line, "connection refused") || strings.Contains(line, "Unable to write event") {
			t.Errorf("klog after Shutdown: %s", line)
		}
	}
}
