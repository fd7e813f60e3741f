package server

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/pki"
)

// fuzzRequestTimeout bounds one fuzzed request: watches end with it, and a
// request that would run longer is itself a finding (a timeout is 504).
const fuzzRequestTimeout = 200 * time.Millisecond

// documented5xx are the server errors evictd may answer by design: 501
// for the streaming and proxy subresources it does not support
// (unsupported.go), 503 while shutting down (or OpenAPI unavailable) and
// 504 when a request's context ends before its write. Anything else is a
// bug.
var documented5xx = map[int]bool{http.StatusNotImplemented: true, http.StatusServiceUnavailable: true, http.StatusGatewayTimeout: true}

// FuzzServeHTTP sends whole requests — method, path, query, headers and
// body — through the complete handler chain (authentication, in-flight
// limits, routing, every resource and subresource) of an in-process
// server with no controllers, and checks what a hostile client must never
// get: a panic, an undocumented 5xx, or a refused request that wrote
// anything. CI runs it for seconds (see .ci/run); run it for longer with
// `go test -run='^$' -fuzz=FuzzServeHTTP -fuzztime=10m ./internal/server`.
func FuzzServeHTTP(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s.method, s.path, s.query, s.contentType, s.accept, []byte(s.body))
	}
	srv := startFuzzServer(f)
	handler, token := srv.http.Handler, srv.cfg.PKI.Token
	f.Fuzz(func(t *testing.T, method, path, query, contentType, accept string, body []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), fuzzRequestTimeout)
		defer cancel()
		r, err := http.NewRequestWithContext(ctx, method, "https://evictd.test/", bytes.NewReader(body))
		if err != nil {
			return // not a request net/http would ever hand a handler
		}
		r.URL.Path, r.URL.RawQuery = "/"+strings.TrimPrefix(path, "/"), query
		r.Header.Set("Authorization", "Bearer "+token)
		r.Header.Set("Content-Type", contentType)
		r.Header.Set("Accept", accept)
		before := fuzzRevision(t, srv)
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		if w.Code >= 500 && !documented5xx[w.Code] {
			t.Errorf("%s %s?%s: %d %.500s", method, r.URL.Path, query, w.Code, w.Body)
		}
		if after := fuzzRevision(t, srv); w.Code >= 400 && after != before {
			t.Errorf("%s %s?%s was refused (%d %.300s) but wrote (revision %d → %d)", method, r.URL.Path, query, w.Code, w.Body, before, after)
		}
	})
}

// startFuzzServer starts a server without controllers (nothing writes but
// the fuzzer) holding a pod guarded by a PodDisruptionBudget, a
// ConfigMap, and a namespace of its own.
func startFuzzServer(f *testing.F) *Server {
	bundle, err := pki.New(nil)
	if err != nil {
		f.Fatal(err)
	}
	srv, err := Start(f.Context(), Config{
		Listen: "127.0.0.1:0", PKI: bundle, Log: slog.New(slog.DiscardHandler),
		// Evictions retry conflicts briefly: a fuzzed request stays short.
		EvictionBackoff: wait.Backoff{Steps: 2, Duration: time.Millisecond},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
	ctx := f.Context()
	labels := map[string]string{"app": "web"}
	steps := []func() error{
		func() error {
			_, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}}, metav1.CreateOptions{})
			return err
		},
		func() error {
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}}}
			_, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{})
			return err
		},
		func() error {
			one := intstr.FromInt32(1)
			pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "web"},
				Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: &one, Selector: &metav1.LabelSelector{MatchLabels: labels}}}
			_, err := client.PolicyV1().PodDisruptionBudgets("default").Create(ctx, pdb, metav1.CreateOptions{})
			return err
		},
		func() error {
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm"}, Data: map[string]string{"k": "v"}}
			_, err := client.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{})
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			f.Fatal(err)
		}
	}
	return srv
}

// fuzzRevision is the storage's revision: it moves on every write.
func fuzzRevision(t *testing.T, srv *Server) int64 {
	t.Helper()
	rev, err := srv.storage.Revision(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rev
}
