package openapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/kube-openapi/pkg/handler3"

	"github.com/evictd/evictd/internal/openapi"
)

func TestHandlerErrors(t *testing.T) {
	t.Parallel()
	d := newDocuments(t)
	for _, tc := range []struct {
		name, method, path, accept string
		wantCode                   int
		wantReason                 metav1.StatusReason
	}{
		{"unknown path", http.MethodGet, "/openapi/v4", "", http.StatusNotFound, metav1.StatusReasonNotFound},
		{"unknown group version", http.MethodGet, "/openapi/v3/apis/rbac.authorization.k8s.io/v1", "", http.StatusNotFound, metav1.StatusReasonNotFound},
		{"write method", http.MethodPost, "/openapi/v2", "", http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed},
		{"v3 protobuf only", http.MethodGet, "/openapi/v3/api/v1", "application/com.github.proto-openapi.spec.v3@v1.0+protobuf", http.StatusNotAcceptable, metav1.StatusReasonNotAcceptable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			rec := httptest.NewRecorder()
			d.ServeHTTP(rec, req)
			var status metav1.Status
			if err := json.Unmarshal(rec.Body.Bytes(), &status); err != nil {
				t.Fatalf("body is not a Status: %v", err)
			}
			if rec.Code != tc.wantCode || status.Code != int32(tc.wantCode) || status.Reason != tc.wantReason || status.Kind != "Status" {
				t.Errorf("got %d %+v", rec.Code, status)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestHandlerCaching(t *testing.T) {
	t.Parallel()
	d := newDocuments(t)
	var index handler3.OpenAPIV3Discovery
	if err := json.Unmarshal(get(t, d, "/openapi/v3", "", http.StatusOK).Body.Bytes(), &index); err != nil {
		t.Fatal(err)
	}
	current := index.Paths["api/v1"].ServerRelativeURL

	t.Run("current hash is immutable", func(t *testing.T) {
		t.Parallel()
		rec := get(t, d, current, "application/json", http.StatusOK)
		if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") {
			t.Errorf("Cache-Control %q", cc)
		}
	})
	t.Run("stale hash redirects", func(t *testing.T) {
		t.Parallel()
		rec := get(t, d, "/openapi/v3/api/v1?hash=OLD", "application/json", http.StatusMovedPermanently)
		if loc := rec.Header().Get("Location"); loc != current {
			t.Errorf("Location %q, want %q", loc, current)
		}
	})
	t.Run("etag revalidates", func(t *testing.T) {
		t.Parallel()
		etag := get(t, d, "/openapi/v2", protobufAccept, http.StatusOK).Header().Get("ETag")
		req := httptest.NewRequest(http.MethodGet, "/openapi/v2", nil)
		req.Header.Set("Accept", protobufAccept)
		req.Header.Set("If-None-Match", etag)
		rec := httptest.NewRecorder()
		d.ServeHTTP(rec, req)
		if etag == "" || rec.Code != http.StatusNotModified {
			t.Errorf("ETag %q, revalidation status %d", etag, rec.Code)
		}
	})
	t.Run("hashes are stable across builds", func(t *testing.T) {
		t.Parallel()
		fresh, err := openapi.New("v1.33.0", served())
		if err != nil {
			t.Fatal(err)
		}
		again := get(t, fresh, "/openapi/v3", "", http.StatusOK).Body.String()
		if want := get(t, d, "/openapi/v3", "", http.StatusOK).Body.String(); again != want {
			t.Errorf("index changed between builds:\n%s\n%s", want, again)
		}
	})
}

// TestHandlerConcurrent serves every document from many goroutines; run
// with -race it checks that serving never writes shared state.
func TestHandlerConcurrent(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(newDocuments(t))
	t.Cleanup(srv.Close)
	paths := []string{"/openapi/v3", "/openapi/v3/api/v1", "/openapi/v3/apis/apps/v1", "/openapi/v2", "/swagger-2.0.0.pb-v1"}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+paths[i%len(paths)], nil)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s: %d", paths[i%len(paths)], resp.StatusCode)
			}
		})
	}
	wg.Wait()
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	pod := served()[0]
	for _, tc := range []struct {
		name   string
		mutate func(*openapi.Resource)
	}{
		{"unknown subresource", func(r *openapi.Resource) { r.Subresources = []string{"exec"} }},
		{"no object", func(r *openapi.Resource) { r.Object = nil }},
		{"no plural", func(r *openapi.Resource) { r.Plural = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := pod
			tc.mutate(&r)
			if _, err := openapi.New("v1.33.0", []openapi.Resource{r}); err == nil {
				t.Error("New accepted the resource")
			}
		})
	}
	t.Run("duplicate resource", func(t *testing.T) {
		t.Parallel()
		if _, err := openapi.New("v1.33.0", []openapi.Resource{pod, pod}); err == nil {
			t.Error("New accepted the resource twice")
		}
	})
}
