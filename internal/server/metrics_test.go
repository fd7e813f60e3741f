package server_test

import (
	"bytes"
	"net/http"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/pkg/testserver"
)

// scrape reads /metrics as `kubectl get --raw /metrics` does and parses
// the Prometheus text format.
func scrape(t *testing.T, client kubernetes.Interface) map[string]*dto.MetricFamily {
	t.Helper()
	raw, err := client.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, raw)
	}
	return families
}

// value is the value of the series of family with all of labels (0 and
// false when there is none).
func value(families map[string]*dto.MetricFamily, family string, labels map[string]string) (float64, bool) {
	f, ok := families[family]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// TestMetrics: /metrics counts requests with kube-apiserver's names and
// labels, the stored objects, evictions by code and reason, and has the
// Go and process collectors; each server counts alone.
func TestMetrics(t *testing.T) {
	t.Parallel()
	srv := testserver.StartWith(t, testserver.Options{WithoutControllers: true})
	client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
	readyPod(t, client, "a", 30)
	readyPod(t, client, "b", 30)
	if _, err := client.CoreV1().Pods("default").List(t.Context(), metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	evict := func(name string) error {
		return client.PolicyV1().Evictions("default").Evict(t.Context(), &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}})
	}
	if err := evict("a"); err != nil {
		t.Fatal(err)
	}
	if err := evict("missing"); !apierrors.IsNotFound(err) {
		t.Fatalf("evicting a missing pod: %v, want 404", err)
	}
	families := scrape(t, client)
	for _, tc := range []struct {
		family string
		labels map[string]string
		want   float64 // -1: any value, the series must exist
	}{
		{"apiserver_request_total", map[string]string{"verb": "POST", "group": "", "version": "v1", "resource": "pods", "subresource": "", "scope": "resource", "component": "apiserver", "code": "201"}, 2},
		{"apiserver_request_total", map[string]string{"verb": "LIST", "resource": "pods", "scope": "namespace", "code": "200"}, 1},
		{"apiserver_request_total", map[string]string{"verb": "PUT", "resource": "pods", "subresource": "status", "scope": "resource", "code": "200"}, 2},
		{"apiserver_request_total", map[string]string{"verb": "POST", "resource": "pods", "subresource": "eviction", "code": "404"}, 1},
		{"apiserver_request_duration_seconds", map[string]string{"verb": "POST", "resource": "pods", "subresource": "eviction"}, 2},
		{"apiserver_current_inflight_requests", map[string]string{"request_kind": "mutating"}, 0},
		{"apiserver_current_inflight_requests", map[string]string{"request_kind": "readOnly"}, 1}, // the scrape itself
		{"apiserver_storage_objects", map[string]string{"resource": "pods"}, 2},
		{"apiserver_storage_objects", map[string]string{"resource": "namespaces"}, 4},
		{"apiserver_storage_objects", map[string]string{"resource": "deployments.apps"}, 0},
		{"evictd_evictions_total", map[string]string{"code": "201", "reason": "Evicted", "dry_run": ""}, 1},
		{"evictd_evictions_total", map[string]string{"code": "404", "reason": "NotFound"}, 1},
		{"go_goroutines", nil, -1},
		{"process_resident_memory_bytes", nil, -1},
	} {
		got, ok := value(families, tc.family, tc.labels)
		if !ok || (tc.want >= 0 && got != tc.want) {
			t.Errorf("%s%v = %v (present %v), want %v", tc.family, tc.labels, got, ok, tc.want)
		}
	}
	// Another server in the process has counted nothing of this one's.
	other := kubernetes.NewForConfigOrDie(testserver.StartWith(t, testserver.Options{WithoutControllers: true}).RESTConfig())
	if got, ok := value(scrape(t, other), "evictd_evictions_total", nil); ok {
		t.Errorf("a fresh server reports %v evictions", got)
	}
}

// TestMetricsNeedAuthentication: as kube-apiserver, /metrics is for
// authenticated clients only.
func TestMetricsNeedAuthentication(t *testing.T) {
	t.Parallel()
	srv := testserver.StartWith(t, testserver.Options{WithoutControllers: true})
	resp, err := anonymousClient(t, srv).Get(srv.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous GET /metrics: %d, want 401", resp.StatusCode)
	}
}
