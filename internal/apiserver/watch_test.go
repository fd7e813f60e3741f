package apiserver

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWatchTimeoutZeroIsUnset: timeoutSeconds=0 means "unset" as in
// kube-apiserver (a random 30–60 min), not "end now": the watch still
// delivers an event created after it opened.
func TestWatchTimeoutZeroIsUnset(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	hs := httptest.NewServer(a.srv)
	t.Cleanup(hs.Close)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, hs.URL+cmPath+"?watch=true&timeoutSeconds=0", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a.mustDo(t, http.StatusCreated, http.MethodPost, cmPath, configMapJSON("after"))
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || !strings.Contains(line, `"type":"ADDED"`) {
		t.Fatalf("watch with timeoutSeconds=0 gave %q, %v; want the ADDED event", line, err)
	}
}

// TestStalledWatcherIsReleased: a watcher that stops reading is let go
// once its timeout has passed, even while the server is blocked writing to
// it: the write has a deadline.
func TestStalledWatcherIsReleased(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	w := newStalledWriter(ctx)
	r := httptest.NewRequestWithContext(ctx, http.MethodGet, cmPath+"?watch=true&timeoutSeconds=1", nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.srv.ServeHTTP(w, r)
	}()
	a.mustDo(t, http.StatusCreated, http.MethodPost, cmPath, configMapJSON("stuck"))
	select {
	case <-done:
	case <-time.After(watchWriteGrace + 10*time.Second):
		t.Fatal("the handler of a stalled watch is still held well after its 1 s timeout")
	}
}

// stalledWriter is a connection whose reader has stopped: every Write
// blocks until the write deadline passes (for ever without one, until the
// test ends).
type stalledWriter struct {
	ctx      context.Context
	header   http.Header
	mu       sync.Mutex
	deadline time.Time
}

func newStalledWriter(ctx context.Context) *stalledWriter {
	return &stalledWriter{ctx: ctx, header: http.Header{}}
}

func (s *stalledWriter) Header() http.Header { return s.header }
func (s *stalledWriter) WriteHeader(int)     {}
func (s *stalledWriter) Flush()              {}

// SetWriteDeadline is what http.ResponseController calls.
func (s *stalledWriter) SetWriteDeadline(d time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deadline = d
	return nil
}

func (s *stalledWriter) Write(p []byte) (int, error) {
	for {
		s.mu.Lock()
		d := s.deadline
		s.mu.Unlock()
		if !d.IsZero() && time.Now().After(d) {
			return 0, context.DeadlineExceeded
		}
		select {
		case <-s.ctx.Done():
			return 0, s.ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
