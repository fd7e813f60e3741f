package server

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/apiserver"
	"github.com/evictd/evictd/internal/storage"
)

// requestLabels are kube-apiserver's labels of apiserver_request_total
// (and, without code, of its duration histogram and long-running gauge).
var requestLabels = []string{"verb", "dry_run", "group", "version", "resource", "subresource", "scope", "component"}

// durationBuckets are kube-apiserver's buckets of
// apiserver_request_duration_seconds, 5 ms to 60 s.
var durationBuckets = []float64{0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60}

// metrics are one server's Prometheus metrics, on a registry of its own
// (never the global default one), so servers in one process, as tests
// run them, count apart. docs/metrics.md lists them.
type metrics struct {
	registry    *prometheus.Registry
	clock       clock.PassiveClock
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	inflight    *prometheus.GaugeVec
	longRunning *prometheus.GaugeVec
	evictions   *prometheus.CounterVec
}

// newMetrics registers the request and eviction metrics, the stored
// objects counted in st, and the Go runtime and process collectors.
func newMetrics(st storage.Interface, clk clock.PassiveClock) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		clock:    clk,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apiserver_request_total",
			Help: "Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.",
		}, append(requestLabels, "code")),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "apiserver_request_duration_seconds",
			Help:    "Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component (long-running requests excluded).",
			Buckets: durationBuckets,
		}, requestLabels),
		inflight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "apiserver_current_inflight_requests",
			Help: "Number of requests being served (queued in flow control or executing) per request kind, long-running requests excluded.",
		}, []string{"request_kind"}),
		longRunning: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "apiserver_longrunning_requests",
			Help: "Gauge of all active long-running apiserver requests (watches, logs) broken out by verb, group, version, resource, scope and component.",
		}, requestLabels),
		evictions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "evictd_evictions_total",
			Help: "Evictions (POST pods/eviction) answered, by HTTP code and Status reason (Evicted when allowed) and dry run.",
		}, []string{"code", "reason", "dry_run"}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.inflight, m.longRunning, m.evictions,
		newStorageObjects(st, Resources()),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, kind := range []string{"readOnly", "mutating"} {
		m.inflight.WithLabelValues(kind)
	}
	return m
}

// instrument serves GET /metrics and counts every other request that
// reaches it (it sits after authentication, as kube-apiserver counts
// only what its authentication filter let through).
func (m *metrics) instrument(next http.Handler) http.Handler {
	serve := promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler := next
		if r.URL.Path == "/metrics" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			handler = serve
		}
		m.serve(w, r, handler, requestLabelValues(r))
	})
}

// serve runs one request and records it.
func (m *metrics) serve(w http.ResponseWriter, r *http.Request, next http.Handler, labels []string) {
	longRunning := isLongRunning(r)
	switch {
	case longRunning:
		g := m.longRunning.WithLabelValues(labels...)
		g.Inc()
		defer g.Dec()
	default:
		g := m.inflight.WithLabelValues(requestKind(r.Method))
		g.Inc()
		defer g.Dec()
	}
	eviction := isEviction(labels)
	rec := &codeRecorder{ResponseWriter: w, keepBody: eviction}
	start := m.clock.Now()
	next.ServeHTTP(rec, r)
	if !longRunning {
		m.duration.WithLabelValues(labels...).Observe(m.clock.Since(start).Seconds())
	}
	code := rec.code()
	m.requests.WithLabelValues(append(labels, strconv.Itoa(code))...).Inc()
	if eviction {
		m.evictions.WithLabelValues(strconv.Itoa(code), evictionReason(code, rec.body.Bytes()), dryRunLabel(r)).Inc()
	}
}

// requestLabelValues are the requestLabels of r as kube-apiserver sets
// them: verbs upper-case (GET of a collection is LIST, a watch WATCH,
// server-side apply APPLY, an unknown method "other"); scope resource for
// a named object or a create, namespace or cluster for collections;
// component apiserver. Requests that name no resource have the path as
// subresource, the well-known paths only (discovery documents count as
// /api and /apis), and "other" for the rest; a resource evictd does not
// serve, or an unknown subresource, is "other" too. So a request can never add a series of its
// own, nor a label that is not valid UTF-8 (which the client library
// refuses).
func requestLabelValues(r *http.Request) []string {
	attrs, ok := apiserver.RequestAttributes(r)
	switch {
	case !ok:
		return []string{methodVerb(r.Method), "", "", "", "", nonResourcePath(r.URL.Path), "", "apiserver"}
	case !servedResources[attrs.Group+"/"+attrs.Version+"/"+attrs.Resource]:
		return []string{methodVerb(r.Method), "", "", "", "", "other", "", "apiserver"}
	}
	sub := attrs.Subresource
	if sub != "" && !knownSubresources[sub] {
		sub = "other"
	}
	return []string{reportedVerb(r, attrs), dryRunLabel(r), attrs.Group, attrs.Version, attrs.Resource, sub, scope(attrs), "apiserver"}
}

// servedResources are "group/version/resource" of every resource and
// review evictd serves.
var servedResources = func() map[string]bool {
	out := map[string]bool{}
	for _, res := range Resources() {
		out[res.GroupVersion.Group+"/"+res.GroupVersion.Version+"/"+res.Plural] = true
	}
	for _, rv := range reviews(clock.RealClock{}) {
		out[rv.Resource.GroupVersion.Group+"/"+rv.Resource.GroupVersion.Version+"/"+rv.Resource.Plural] = true
	}
	return out
}()

// knownSubresources are the subresources evictd serves or answers 501.
var knownSubresources = map[string]bool{
	"status": true, "scale": true, "binding": true, "eviction": true, "log": true, "finalize": true,
	"exec": true, "attach": true, "portforward": true, "proxy": true,
}

// methodVerb is the upper-case method, "other" for a method HTTP does
// not define.
func methodVerb(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
		http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

func reportedVerb(r *http.Request, attrs apiserver.Attributes) string {
	switch {
	case attrs.Verb == "watch":
		return "WATCH"
	case attrs.Verb == "list":
		return "LIST"
	case r.Method == http.MethodPatch && strings.HasPrefix(r.Header.Get("Content-Type"), "application/apply-patch"):
		return "APPLY"
	case r.Method == http.MethodHead:
		return "GET"
	}
	return methodVerb(r.Method)
}

func scope(attrs apiserver.Attributes) string {
	switch {
	case attrs.Name != "" || attrs.Verb == "create":
		return "resource"
	case attrs.Namespace != "":
		return "namespace"
	}
	return "cluster"
}

// dryRunLabel is "All" for a dry run, as upstream's dry_run label; any
// other value was refused (400) and is "other".
func dryRunLabel(r *http.Request) string {
	switch v := r.URL.Query()["dryRun"]; {
	case len(v) == 0:
		return ""
	case len(v) == 1 && v[0] == metav1.DryRunAll:
		return metav1.DryRunAll
	}
	return "other"
}

// knownPaths are the paths that name no resource and keep their own
// subresource label.
var knownPaths = map[string]bool{
	"/api": true, "/apis": true, "/version": true, "/metrics": true, "/healthz": true, "/livez": true, "/readyz": true,
	"/openapi/v2": true, "/openapi/v3": true, "/swagger-2.0.0.pb-v1": true,
}

func nonResourcePath(path string) string {
	path = strings.TrimSuffix(path, "/")
	for p := range knownPaths {
		if path == p || strings.HasPrefix(path, p+"/") {
			return p
		}
	}
	return "other"
}

// requestKind is the in-flight gauge's request_kind, as kube-apiserver
// splits its limits.
func requestKind(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return "readOnly"
	}
	return "mutating"
}

// codeRecorder remembers the status code and, when asked, the body (a
// Status, a few hundred bytes) up to maxKeptBody.
type codeRecorder struct {
	http.ResponseWriter
	status   int
	keepBody bool
	body     bytes.Buffer
}

// maxKeptBody bounds what an eviction's answer may keep in memory.
const maxKeptBody = 64 << 10

func (c *codeRecorder) WriteHeader(code int) {
	if c.status == 0 && code >= 200 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *codeRecorder) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if c.keepBody && c.body.Len()+len(p) <= maxKeptBody {
		c.body.Write(p)
	}
	return c.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (flushes,
// deadlines, hijacking for upgrades).
func (c *codeRecorder) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// Flush serves handlers that assert http.Flusher directly.
func (c *codeRecorder) Flush() {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	_ = http.NewResponseController(c.ResponseWriter).Flush()
}

func (c *codeRecorder) code() int {
	if c.status == 0 {
		return http.StatusOK
	}
	return c.status
}
