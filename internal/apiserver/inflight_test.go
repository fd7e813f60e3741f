package apiserver

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

func TestLimitInflight(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var entered sync.WaitGroup
	blocking := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("watch") == "true" {
			return // a watch passing through: nothing to hold
		}
		entered.Done()
		<-release
	})
	h := LimitInflight(blocking, 1, 1)

	// Fill the one read-only and the one mutating slot.
	var done sync.WaitGroup
	for _, req := range []*http.Request{
		httptest.NewRequest("GET", "/api/v1/pods", nil),
		httptest.NewRequest("POST", "/api/v1/namespaces/default/pods", nil),
	} {
		entered.Add(1)
		done.Go(func() { h.ServeHTTP(httptest.NewRecorder(), req) })
	}
	entered.Wait()

	tests := []struct {
		name, method, url string
		want              int
	}{
		{name: "read over the cap", method: "GET", url: "/api/v1/nodes", want: http.StatusTooManyRequests},
		{name: "write over the cap", method: "DELETE", url: "/api/v1/namespaces/default/pods/x", want: http.StatusTooManyRequests},
		{name: "watch is not counted", method: "GET", url: "/api/v1/pods?watch=true", want: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.url, nil))
			if rec.Code != tt.want {
				t.Fatalf("code %d, want %d", rec.Code, tt.want)
			}
			if tt.want == http.StatusTooManyRequests && rec.Header().Get("Retry-After") != "1" {
				t.Errorf("Retry-After %q, want 1", rec.Header().Get("Retry-After"))
			}
		})
	}
	close(release)
	done.Wait()
}
