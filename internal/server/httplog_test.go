package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
)

// logged returns a Server whose logs (at DEBUG) go to buf, and its clock.
func logged(buf *bytes.Buffer) (*Server, *clocktesting.FakeClock) {
	log := slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	clk := clocktesting.NewFakeClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	return &Server{cfg: Config{Log: log}, errors: newLimitedLog(log, clk)}, clk
}

// TestPanicIsAnsweredAndLoggedAtError: a handler's panic was logged by
// net/http at DEBUG and the client saw a dropped connection; it is now a
// 500 Status, an ERROR line with the stack, and a request line with 500.
func TestPanicIsAnsweredAndLoggedAtError(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	s, _ := logged(&buf)
	h := s.logRequests(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/pods", nil))

	var st metav1.Status
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil || rec.Code != http.StatusInternalServerError || st.Code != http.StatusInternalServerError {
		t.Errorf("answer %d %q (%v), want a 500 Status", rec.Code, rec.Body.String(), err)
	}
	out := buf.String()
	for _, want := range []string{`level=ERROR msg="handler panicked"`, "panic=boom", "goroutine ", `level=DEBUG msg=request verb=GET uri=/api/v1/pods code=500`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// TestServerErrorLinesAreRateLimited: a burst of logBurst lines per kind
// gets through, then one per second, and the next line let through counts
// those dropped; other kinds are not held back.
func TestServerErrorLinesAreRateLimited(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	s, clk := logged(&buf)
	errLog := newHTTPErrorLog(s.errors)
	for range 3 * logBurst {
		errLog.Print("http: TLS handshake error from 127.0.0.1:1234: remote error: tls: bad certificate")
	}
	errLog.Print("http: Accept error: too many open files; retrying in 5ms")
	if n := strings.Count(buf.String(), "level=WARN msg=\"http: TLS handshake error"); n != logBurst {
		t.Errorf("%d TLS lines at WARN, want %d:\n%s", n, logBurst, buf.String())
	}
	if !strings.Contains(buf.String(), "level=ERROR msg=\"http: Accept error") {
		t.Errorf("accept error not at ERROR:\n%s", buf.String())
	}
	clk.Step(logEvery)
	buf.Reset()
	errLog.Print("http: TLS handshake error from 127.0.0.1:1234: EOF")
	errLog.Print("http: TLS handshake error from 127.0.0.1:1234: EOF")
	if out := buf.String(); strings.Count(out, "\n") != 1 || !strings.Contains(out, "suppressed=20") {
		t.Errorf("after a second: %q, want one line with suppressed=20", out)
	}
}

func TestIsLongRunning(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, method, target string
		want                 bool
	}{
		{"watch query", "GET", "/api/v1/pods?watch=true", true},
		{"watch=1", "GET", "/apis/apps/v1/namespaces/a/deployments?watch=1", true},
		{"watch path", "GET", "/api/v1/watch/namespaces/a/pods", true},
		{"logs", "GET", "/api/v1/namespaces/a/pods/p/log?follow=true", true},
		{"exec", "GET", "/api/v1/namespaces/a/pods/p/exec", true},
		{"list", "GET", "/api/v1/pods", false},
		{"get a pod named log", "GET", "/api/v1/namespaces/a/pods/log", false},
		{"eviction", "POST", "/api/v1/namespaces/a/pods/p/eviction", false},
		{"watch=false", "GET", "/api/v1/pods?watch=false", false},
		{"healthz", "GET", "/healthz", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := isLongRunning(httptest.NewRequest(tc.method, tc.target, nil)); got != tc.want {
				t.Errorf("isLongRunning(%s %s) = %v, want %v", tc.method, tc.target, got, tc.want)
			}
		})
	}
}
