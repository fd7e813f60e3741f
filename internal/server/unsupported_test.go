package server_test

import (
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"

	"github.com/evictd/evictd/pkg/testserver"
)

// TestUnsupportedSubresources: exec, attach, port-forward and the proxies
// answer a 501 Status saying evictd does not support them, instead of a
// bare 404, whatever the method and however long the proxied path.
func TestUnsupportedSubresources(t *testing.T) {
	t.Parallel()
	srv := testserver.StartWith(t, testserver.Options{WithoutControllers: true})
	rest := kubernetes.NewForConfigOrDie(srv.RESTConfig()).CoreV1().RESTClient()
	for _, tc := range []struct {
		method, path, want string
	}{
		{http.MethodPost, "/api/v1/namespaces/default/pods/web/exec", "pods/exec is not supported by evictd"},
		{http.MethodGet, "/api/v1/namespaces/default/pods/web/exec", "pods/exec is not supported by evictd"},
		{http.MethodPost, "/api/v1/namespaces/default/pods/web/attach", "pods/attach is not supported by evictd"},
		{http.MethodPost, "/api/v1/namespaces/default/pods/web/portforward", "pods/portforward is not supported by evictd"},
		{http.MethodGet, "/api/v1/namespaces/default/pods/web/proxy", "pods/proxy is not supported by evictd"},
		{http.MethodGet, "/api/v1/namespaces/default/pods/web:8080/proxy/some/path", "pods/proxy is not supported by evictd"},
		{http.MethodDelete, "/api/v1/namespaces/default/services/web/proxy/x", "services/proxy is not supported by evictd"},
		{http.MethodGet, "/api/v1/nodes/node-1/proxy/metrics", "nodes/proxy is not supported by evictd"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			err := rest.Verb(tc.method).AbsPath(tc.path).Do(t.Context()).Error()
			st, ok := err.(apierrors.APIStatus)
			if !ok || st.Status().Code != http.StatusNotImplemented || !strings.Contains(st.Status().Message, tc.want) {
				t.Errorf("err = %v, want a 501 Status saying %q", err, tc.want)
			}
		})
	}
	// Paths that only look alike still reach the API server.
	for _, path := range []string{"/api/v1/namespaces/default/pods/web/exec/x", "/api/v1/namespaces/default/nodes/n/proxy", "/api/v1/pods/web/exec"} {
		err := rest.Get().AbsPath(path).Do(t.Context()).Error()
		if !apierrors.IsNotFound(err) {
			t.Errorf("GET %s: %v, want the API server's 404", path, err)
		}
	}
}

// TestExecSaysUnsupported is kubectl exec through client-go: the
// WebSocket upgrade is refused, the SPDY fallback decodes the Status, and
// the error says why.
func TestExecSaysUnsupported(t *testing.T) {
	t.Parallel()
	srv := testserver.StartWith(t, testserver.Options{WithoutControllers: true})
	cfg := srv.RESTConfig()
	client := kubernetes.NewForConfigOrDie(cfg)
	req := client.CoreV1().RESTClient().Post().Resource("pods").Namespace("default").Name("web").SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Command: []string{"ls"}, Stdout: true}, scheme.ParameterCodec)
	websocket, err := remotecommand.NewWebSocketExecutor(cfg, http.MethodGet, req.URL().String())
	if err != nil {
		t.Fatal(err)
	}
	spdy, err := remotecommand.NewSPDYExecutor(cfg, http.MethodPost, req.URL())
	if err != nil {
		t.Fatal(err)
	}
	exec, err := remotecommand.NewFallbackExecutor(websocket, spdy, func(err error) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	err = exec.StreamWithContext(t.Context(), remotecommand.StreamOptions{Stdout: &out})
	if !strings.Contains(err.Error(), "pods/exec is not supported by evictd: simulated containers run no process") {
		t.Errorf("exec: %v, want the Status's message", err)
	}
}
