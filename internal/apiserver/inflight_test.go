package apiserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/evictd/evictd/internal/flowcontrol"
)

var (
	testAdmin      = flowcontrol.User{Name: "admin", Groups: []string{flowcontrol.GroupMasters, flowcontrol.GroupAuthenticated}}
	testComponents = flowcontrol.User{Name: flowcontrol.ComponentsUser, Groups: []string{flowcontrol.GroupMasters, flowcontrol.GroupAuthenticated}}
)

func requestAs(ctx context.Context, u flowcontrol.User, method, url, remote string) *http.Request {
	r := httptest.NewRequestWithContext(flowcontrol.WithUser(ctx, u), method, url, nil)
	r.RemoteAddr = remote
	return r
}

// heldPath is where TestLimitInflight's seat-holding requests go.
const heldPath = "/api/v1/namespaces/default/configmaps"

func TestLimitInflight(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		blocking := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.URL.Path == heldPath {
				<-release // the requests filling the seats
			}
		})
		// 1 + 1: two seats, both of global-default.
		h := LimitInflight(blocking, InflightOptions{ReadOnly: 1, Mutating: 1})

		var held sync.WaitGroup
		for _, remote := range []string{"127.0.0.1:1", "127.0.0.1:2"} {
			held.Go(func() {
				h.ServeHTTP(httptest.NewRecorder(), requestAs(t.Context(), testAdmin, "POST", heldPath, remote))
			})
		}
		synctest.Wait()

		tests := []struct {
			name   string
			user   flowcontrol.User
			method string
			url    string
			want   int
			level  string
		}{
			{name: "over the seats, queued past the queue wait", user: testAdmin, method: "GET", url: "/api/v1/nodes", want: http.StatusTooManyRequests, level: "global-default"},
			{name: "in-process components are exempt", user: testComponents, method: "POST", url: "/api/v1/namespaces/default/pods", want: http.StatusOK, level: "exempt"},
			{name: "probes are exempt", user: flowcontrol.Anonymous, method: "GET", url: "/readyz", want: http.StatusOK, level: "exempt"},
			{name: "a watch is not seated", user: testAdmin, method: "GET", url: "/api/v1/pods?watch=true", want: http.StatusOK},
		}
		for _, tt := range tests {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, requestAs(t.Context(), tt.user, tt.method, tt.url, "127.0.0.1:3"))
			if rec.Code != tt.want {
				t.Errorf("%s: code %d, want %d", tt.name, rec.Code, tt.want)
			}
			if tt.want == http.StatusTooManyRequests && rec.Header().Get("Retry-After") != "1" {
				t.Errorf("%s: Retry-After %q, want 1", tt.name, rec.Header().Get("Retry-After"))
			}
			wantUID := ""
			for _, l := range flowcontrol.Levels {
				if l.Name == tt.level {
					wantUID = string(l.UID)
				}
			}
			if got := rec.Header().Get(headerPriorityLevelUID); got != wantUID {
				t.Errorf("%s: priority level UID %q, want %q (%s)", tt.name, got, wantUID, tt.level)
			}
		}
		close(release)
		held.Wait()
	})
}

func TestLimitInflightQueuesBeforeRefusing(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		h := LimitInflight(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }),
			InflightOptions{ReadOnly: 1, Mutating: 1})
		codes := make(chan int, 3)
		for _, remote := range []string{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"} {
			go func() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, requestAs(t.Context(), testAdmin, "GET", "/api/v1/pods", remote))
				codes <- rec.Code
			}()
		}
		synctest.Wait() // two seated, the third queued
		close(release)
		for range 3 {
			if code := <-codes; code != http.StatusOK {
				t.Errorf("code %d, want 200: the third request waits for a seat", code)
			}
		}
	})
}

func TestLimitInflightOff(t *testing.T) {
	t.Parallel()
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	rec := httptest.NewRecorder()
	LimitInflight(next, InflightOptions{ReadOnly: -1, Mutating: 1}).ServeHTTP(rec, requestAs(t.Context(), testAdmin, "GET", "/api/v1/pods", "127.0.0.1:1"))
	if rec.Header().Get(headerFlowSchemaUID) != "" {
		t.Error("a disabled limit still classified the request")
	}
}
