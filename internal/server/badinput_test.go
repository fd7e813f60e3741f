package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/evictd/evictd/internal/scheme"
	"github.com/evictd/evictd/pkg/testserver"
)

// rawClient sends hand-made requests to a test server.
type rawClient struct {
	base string
	http *http.Client
}

func newRawClient(t *testing.T, srv *testserver.Server) *rawClient {
	t.Helper()
	cfg := srv.RESTConfig()
	transport, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &rawClient{base: srv.URL(), http: &http.Client{Transport: transport}}
}

func (c *rawClient) do(t *testing.T, method, path, contentType string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, c.base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, data
}

func protobufPod(t *testing.T, pod *corev1.Pod) []byte {
	t.Helper()
	pod = pod.DeepCopy()
	pod.APIVersion, pod.Kind = "v1", "Pod"
	data, err := runtime.Encode(scheme.Protobuf, pod)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestBadInputGetsAStatusNamingTheProblem(t *testing.T) {
	t.Parallel()
	srv := testserver.Start(t)
	c := newRawClient(t, srv)
	client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
	existing, err := client.CoreV1().Pods("default").Create(t.Context(), testPod("existing"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	existing.Labels["changed"] = "yes"
	if _, err := client.CoreV1().Pods("default").Update(t.Context(), existing.DeepCopy(), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	stale, _ := json.Marshal(existing) // carries the old resourceVersion
	pb := protobufPod(t, testPod("pb"))
	const jsonType = "application/json"
	podsPath := "/api/v1/namespaces/default/pods"
	tests := []struct {
		name, method, path, contentType string
		body                            []byte
		code                            int32
		reason                          metav1.StatusReason
		message                         string // a substring of the Status message
	}{
		{name: "malformed JSON", method: "POST", path: podsPath, contentType: jsonType, body: []byte(`{"apiVersion":"v1","kind":"Pod",`), code: 400, reason: metav1.StatusReasonBadRequest, message: "cannot be handled as a Pod"},
		{name: "malformed YAML", method: "POST", path: podsPath, contentType: "application/yaml", body: []byte("apiVersion: v1\nkind: Pod\nmetadata: [\n"), code: 400, reason: metav1.StatusReasonBadRequest, message: "cannot be handled as a Pod"},
		{name: "truncated protobuf", method: "POST", path: podsPath, contentType: "application/vnd.kubernetes.protobuf", body: pb[:len(pb)/2], code: 400, reason: metav1.StatusReasonBadRequest, message: "cannot be handled as a Pod"},
		{name: "unknown content type", method: "POST", path: podsPath, contentType: "text/plain", body: []byte("hello"), code: 415, reason: metav1.StatusReasonUnsupportedMediaType, message: "unknown format"},
		{name: "wrong kind", method: "POST", path: podsPath, contentType: jsonType, body: []byte(`{"apiVersion":"v1","kind":"Service","metadata":{"name":"x"}}`), code: 400, reason: metav1.StatusReasonBadRequest, message: "Service"},
		{name: "wrong apiVersion", method: "POST", path: podsPath, contentType: jsonType, body: []byte(`{"apiVersion":"apps/v1","kind":"Pod","metadata":{"name":"x"}}`), code: 400, reason: metav1.StatusReasonBadRequest, message: "apps/v1"},
		{name: "body name differs from URL", method: "PUT", path: podsPath + "/existing", contentType: jsonType, body: []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"other"},"spec":{"containers":[{"name":"c","image":"i"}]}}`), code: 400, reason: metav1.StatusReasonBadRequest, message: "does not match the name on the URL"},
		{name: "namespace mismatch", method: "POST", path: podsPath, contentType: jsonType, body: []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","namespace":"kube-system"},"spec":{"containers":[{"name":"c","image":"i"}]}}`), code: 400, reason: metav1.StatusReasonBadRequest, message: "does not match the namespace"},
		{name: "missing required containers", method: "POST", path: podsPath, contentType: jsonType, body: []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{}}`), code: 422, reason: metav1.StatusReasonInvalid, message: "spec.containers: Required value"},
		{name: "missing required image", method: "POST", path: podsPath, contentType: jsonType, body: []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"c"}]}}`), code: 422, reason: metav1.StatusReasonInvalid, message: "spec.containers[0].image: Required value"},
		{name: "invalid name", method: "POST", path: podsPath, contentType: jsonType, body: []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"Not_Valid"},"spec":{"containers":[{"name":"c","image":"i"}]}}`), code: 422, reason: metav1.StatusReasonInvalid, message: "metadata.name"},
		{name: "missing name", method: "POST", path: podsPath, contentType: jsonType, body: []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{},"spec":{"containers":[{"name":"c","image":"i"}]}}`), code: 422, reason: metav1.StatusReasonInvalid, message: "metadata.name: Required value"},
		{name: "invalid label", method: "POST", path: podsPath, contentType: jsonType, body: []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","labels":{"a b":"c"}},"spec":{"containers":[{"name":"c","image":"i"}]}}`), code: 422, reason: metav1.StatusReasonInvalid, message: "metadata.labels"},
		{name: "unknown field with Strict", method: "POST", path: podsPath + "?fieldValidation=Strict", contentType: jsonType, body: []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"bogus":1,"containers":[{"name":"c","image":"i"}]}}`), code: 400, reason: metav1.StatusReasonBadRequest, message: `unknown field "spec.bogus"`},
		{name: "body over 3 MiB", method: "POST", path: podsPath, contentType: jsonType, body: bytes.Repeat([]byte(" "), 3*1024*1024+1), code: 413, reason: metav1.StatusReasonRequestEntityTooLarge, message: "limit is 3145728"},
		{name: "unknown resource", method: "GET", path: "/api/v1/namespaces/default/widgets", code: 404, reason: metav1.StatusReasonNotFound, message: "could not find the requested resource"},
		{name: "unknown group", method: "GET", path: "/apis/widgets.example.com/v1/widgets", code: 404, reason: metav1.StatusReasonNotFound, message: "could not find the requested resource"},
		{name: "unsupported verb", method: "POST", path: podsPath + "/existing", contentType: jsonType, body: []byte(`{}`), code: 405, reason: metav1.StatusReasonMethodNotAllowed, message: "not supported"},
		{name: "unknown subresource", method: "GET", path: podsPath + "/existing/widgets", code: 404, reason: metav1.StatusReasonNotFound, message: "could not find the requested resource"},
		{name: "stale resourceVersion", method: "PUT", path: podsPath + "/existing", contentType: jsonType, body: stale, code: 409, reason: metav1.StatusReasonConflict, message: "the object has been modified"},
		{name: "create existing", method: "POST", path: podsPath, contentType: jsonType, body: []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"existing"},"spec":{"containers":[{"name":"c","image":"i"}]}}`), code: 409, reason: metav1.StatusReasonAlreadyExists, message: `pods "existing" already exists`},
		{name: "missing namespace", method: "POST", path: "/api/v1/namespaces/nowhere/pods", contentType: jsonType, body: []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"c","image":"i"}]}}`), code: 404, reason: metav1.StatusReasonNotFound, message: `namespaces "nowhere" not found`},
		{name: "create by PUT in a missing namespace", method: "PUT", path: "/api/v1/namespaces/nowhere/endpoints/x", contentType: jsonType, body: []byte(`{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"x"}}`), code: 404, reason: metav1.StatusReasonNotFound, message: `namespaces "nowhere" not found`},
		{name: "bad label selector", method: "GET", path: podsPath + "?labelSelector=a%3D(", code: 400, reason: metav1.StatusReasonBadRequest, message: "unable to parse"},
		{name: "unsupported field selector", method: "GET", path: podsPath + "?fieldSelector=spec.bogus%3D1", code: 400, reason: metav1.StatusReasonBadRequest, message: "field label not supported: spec.bogus"},
		{name: "bad dryRun", method: "POST", path: podsPath + "?dryRun=Some", contentType: jsonType, body: []byte(`{}`), code: 422, reason: metav1.StatusReasonInvalid, message: "dryRun"},
		{name: "bad patch type", method: "PATCH", path: podsPath + "/existing", contentType: "application/xml", body: []byte(`<x/>`), code: 415, reason: metav1.StatusReasonUnsupportedMediaType, message: "unknown format"},
		{name: "malformed JSON patch", method: "PATCH", path: podsPath + "/existing", contentType: "application/json-patch+json", body: []byte(`{"op":`), code: 400, reason: metav1.StatusReasonBadRequest, message: ""},
		{name: "patch of a missing object", method: "PATCH", path: podsPath + "/missing", contentType: "application/merge-patch+json", body: []byte(`{"metadata":{"labels":{"a":"b"}}}`), code: 404, reason: metav1.StatusReasonNotFound, message: `pods "missing" not found`},
		{name: "bad propagation policy", method: "DELETE", path: podsPath + "/existing", contentType: jsonType, body: []byte(`{"propagationPolicy":"Sideways"}`), code: 422, reason: metav1.StatusReasonInvalid, message: "propagationPolicy"},
		{name: "streaming list without NotOlderThan", method: "GET", path: podsPath + "?watch=true&sendInitialEvents=true&allowWatchBookmarks=true", code: 422, reason: metav1.StatusReasonInvalid, message: "resourceVersionMatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, header, body := c.do(t, tt.method, tt.path, tt.contentType, tt.body)
			if int32(code) != tt.code {
				t.Fatalf("code %d, want %d: %s", code, tt.code, body)
			}
			if ct := header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			var st metav1.Status
			if err := json.Unmarshal(body, &st); err != nil {
				t.Fatalf("body is not a Status: %v: %s", err, body)
			}
			if st.Kind != "Status" || st.Status != metav1.StatusFailure || st.Code != tt.code || st.Reason != tt.reason {
				t.Errorf("status %+v, want code %d reason %s", st, tt.code, tt.reason)
			}
			if !strings.Contains(st.Message, tt.message) {
				t.Errorf("message %q does not contain %q", st.Message, tt.message)
			}
		})
	}
	// Nothing was half-written: only the pod created above exists.
	list, err := client.CoreV1().Pods("").List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].Name != "existing" || list.Items[0].Labels["changed"] != "yes" {
		t.Errorf("pods after bad requests: %+v", list.Items)
	}
}

func TestRequestsWithoutTokenAreUnauthorized(t *testing.T) {
	t.Parallel()
	srv := testserver.Start(t)
	cfg := srv.RESTConfig()
	cfg.BearerToken = ""
	_, err := kubernetes.NewForConfigOrDie(cfg).CoreV1().Pods("default").List(t.Context(), metav1.ListOptions{})
	if err == nil || !strings.Contains(err.Error(), "Unauthorized") {
		t.Fatalf("list without token: %v, want Unauthorized", err)
	}
	cfg.BearerToken = "wrong"
	if _, err := kubernetes.NewForConfigOrDie(cfg).CoreV1().Pods("default").List(t.Context(), metav1.ListOptions{}); err == nil {
		t.Fatal("list with a wrong token succeeded")
	}
	// Health and version answer anonymously (with no credentials at all),
	// as kube-apiserver's default RBAC allows.
	cfg.BearerToken = ""
	if _, err := kubernetes.NewForConfigOrDie(cfg).Discovery().ServerVersion(); err != nil {
		t.Errorf("anonymous /version: %v", err)
	}
}
