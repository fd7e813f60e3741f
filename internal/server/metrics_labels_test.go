package server

import (
	"net/http/httptest"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/scheme"
)

// TestRequestLabelValues: the labels kube-apiserver gives each kind of
// request, and a bounded set for paths that name no resource.
func TestRequestLabelValues(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, method, target, contentType string
		want                              []string // verb, dry_run, group, version, resource, subresource, scope, component
	}{
		{"get", "GET", "/api/v1/namespaces/default/pods/p", "", []string{"GET", "", "", "v1", "pods", "", "resource", "apiserver"}},
		{"namespaced list", "GET", "/api/v1/namespaces/default/pods", "", []string{"LIST", "", "", "v1", "pods", "", "namespace", "apiserver"}},
		{"cluster list", "GET", "/apis/apps/v1/deployments", "", []string{"LIST", "", "apps", "v1", "deployments", "", "cluster", "apiserver"}},
		{"watch", "GET", "/api/v1/pods?watch=true", "", []string{"WATCH", "", "", "v1", "pods", "", "cluster", "apiserver"}},
		{"create is resource scope", "POST", "/api/v1/namespaces/default/pods", "", []string{"POST", "", "", "v1", "pods", "", "resource", "apiserver"}},
		{"dry-run eviction", "POST", "/api/v1/namespaces/default/pods/p/eviction?dryRun=All", "", []string{"POST", "All", "", "v1", "pods", "eviction", "resource", "apiserver"}},
		{"apply", "PATCH", "/apis/apps/v1/namespaces/d/deployments/x", "application/apply-patch+yaml", []string{"APPLY", "", "apps", "v1", "deployments", "", "resource", "apiserver"}},
		{"deletecollection", "DELETE", "/api/v1/namespaces/d/pods", "", []string{"DELETE", "", "", "v1", "pods", "", "namespace", "apiserver"}},
		{"health", "GET", "/readyz/ping", "", []string{"GET", "", "", "", "", "/readyz", "", "apiserver"}},
		{"discovery", "GET", "/apis/apps/v1", "", []string{"GET", "", "", "", "", "/apis", "", "apiserver"}},
		{"metrics", "GET", "/metrics", "", []string{"GET", "", "", "", "", "/metrics", "", "apiserver"}},
		{"unknown path", "GET", "/no/such/thing", "", []string{"GET", "", "", "", "", "other", "", "apiserver"}},
		{"unserved resource", "GET", "/apis/rbac.authorization.k8s.io/v1/roles", "", []string{"GET", "", "", "", "", "other", "", "apiserver"}},
		{"review", "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "", []string{"POST", "", "authorization.k8s.io", "v1", "selfsubjectaccessreviews", "", "resource", "apiserver"}},
		{"unknown subresource", "GET", "/api/v1/namespaces/d/pods/p/nope", "", []string{"GET", "", "", "v1", "pods", "other", "resource", "apiserver"}},
		{"unknown method", "BREW", "/api/v1/namespaces/d/pods/p", "", []string{"other", "", "", "v1", "pods", "", "resource", "apiserver"}},
		{"bad dry run", "POST", "/api/v1/namespaces/d/pods?dryRun=Some", "", []string{"POST", "other", "", "v1", "pods", "", "resource", "apiserver"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tc.method, tc.target, nil)
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			if got := requestLabelValues(r); !slices.Equal(got, tc.want) {
				t.Errorf("labels = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestEvictionReason reads the reason from the Status an eviction
// answered, in JSON or protobuf.
func TestEvictionReason(t *testing.T) {
	t.Parallel()
	info, ok := runtime.SerializerInfoForMediaType(scheme.Codecs.SupportedMediaTypes(), runtime.ContentTypeProtobuf)
	if !ok {
		t.Fatal("no protobuf serializer")
	}
	protobufStatus, err := runtime.Encode(scheme.Codecs.EncoderForVersion(info.Serializer, metav1.SchemeGroupVersion.WithKind("Status").GroupVersion()),
		&metav1.Status{Status: metav1.StatusFailure, Code: 429, Reason: metav1.StatusReasonTooManyRequests})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		code int
		body string
		want string
	}{
		{"allowed", 201, `{"kind":"Status","apiVersion":"v1","status":"Success","code":201}`, "Evicted"},
		{"budget", 429, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"TooManyRequests","code":429}`, "TooManyRequests"},
		{"two budgets", 500, `{"kind":"Status","apiVersion":"v1","status":"Failure","code":500}`, "Unknown"},
		{"not a status", 500, `oops`, "Unknown"},
		{"protobuf", 429, string(protobufStatus), "TooManyRequests"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := evictionReason(tc.code, []byte(tc.body)); got != tc.want {
				t.Errorf("reason = %q, want %q", got, tc.want)
			}
		})
	}
}
