package server

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// shutdownRetryAfter is kube-apiserver's Retry-After for requests refused
// while it shuts down (--shutdown-send-retry-after): 5 seconds, by which a
// client is expected to reach another instance, or this one restarted.
const shutdownRetryAfter = "5"

// shutdownMessage is upstream's text for those requests.
const shutdownMessage = "The apiserver is shutting down, please try again later."

// drain counts the requests in flight and, once closed, refuses new ones,
// as kube-apiserver's WithRetryAfter and WithWaitGroup filters do while it
// shuts down: the listener stays open until the requests in flight have
// finished, and every new request meanwhile gets a 429 with Retry-After
// and Connection: close, which client-go retries.
type drain struct {
	mu       sync.Mutex
	closed   bool
	inflight int
	// closing is closed by close; idle once drain is closed and no
	// request is in flight.
	closing, idle chan struct{}
}

func newDrain() *drain { return &drain{closing: make(chan struct{}), idle: make(chan struct{})} }

// enter admits a request, or reports that the server is shutting down.
func (d *drain) enter() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return false
	}
	d.inflight++
	return true
}

// leave ends an admitted request.
func (d *drain) leave() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.inflight--
	if d.closed && d.inflight == 0 {
		close(d.idle)
	}
}

// close refuses every new request; the channel it returns is closed once
// the requests in flight have finished.
func (d *drain) close() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.closed {
		d.closed = true
		close(d.closing)
		if d.inflight == 0 {
			close(d.idle)
		}
	}
	return d.idle
}

// drainRequests wraps next with d. Health checks, /version and /metrics
// are exempt, as upstream's (a load balancer must see the server go
// unready, not be refused), and are not waited for.
func drainRequests(d *drain, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if exemptFromDrain(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		if !d.enter() {
			// Connection: close makes net/http close an HTTP/1.1
			// connection after the answer and send GOAWAY on HTTP/2.
			w.Header().Set("Connection", "close")
			w.Header().Set("Retry-After", shutdownRetryAfter)
			http.Error(w, shutdownMessage, http.StatusTooManyRequests)
			return
		}
		defer d.leave()
		next.ServeHTTP(w, r)
	})
}

// exemptFromDrain lists upstream's paths that are served to the end.
func exemptFromDrain(path string) bool {
	for _, p := range []string{"/healthz", "/livez", "/readyz", "/version", "/metrics"} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// eventsInProcess carries the in-process components' requests: event
// writes go straight to the API handler, the rest over HTTPS through next.
// client-go's event sink posts from a goroutine of its own that outlives
// the components (the broadcaster's Shutdown does not wait for it), so an
// event recorded just before they stopped used to be posted after the
// listener had closed, and logged "connection refused". In-process, those
// writes need neither the listener nor a connection; they count as
// requests in flight of events, which Shutdown waits for before closing
// the storage. Later ones are refused with errComponentsStopped.
type eventsInProcess struct {
	next   http.RoundTripper
	api    http.Handler
	events *drain
}

// errComponentsStopped answers an event write that came after Shutdown
// had waited for the components' last ones.
var errComponentsStopped = errors.New("evictd is shut down: the in-process components' event was dropped")

// RoundTrip serves event writes in-process and sends the rest on.
func (t *eventsInProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	if !isEventWrite(r) {
		return t.next.RoundTrip(r)
	}
	if !t.events.enter() {
		return nil, errComponentsStopped
	}
	defer t.events.leave()
	rec := httptest.NewRecorder()
	t.api.ServeHTTP(rec, r)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// isEventWrite matches a create, update or patch of a core/v1 or
// events.k8s.io event: what an event sink sends.
func isEventWrite(r *http.Request) bool {
	if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
		return false
	}
	p := r.URL.Path
	return (strings.HasPrefix(p, "/api/v1/") || strings.HasPrefix(p, "/apis/events.k8s.io/")) &&
		(strings.HasSuffix(p, "/events") || strings.Contains(p, "/events/"))
}
