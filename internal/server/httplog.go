package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/evictd/evictd/internal/apiserver"
)

// logRequests writes one DEBUG line per request once it is answered
// (visible with `evictd -v`), with what kube-apiserver's httplog prints
// at -v=3: verb, URI, code, latency, user agent and source. It also
// recovers a handler's panic: the panic is logged at ERROR with its stack
// (rate-limited) and the client gets a 500 Status, as kube-apiserver's
// panic recovery filter does, instead of a dropped connection and a line
// nobody sees.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				s.recovered(rec, r, v)
			}
			if !s.cfg.Log.Enabled(r.Context(), slog.LevelDebug) {
				return
			}
			s.cfg.Log.LogAttrs(r.Context(), slog.LevelDebug, "request",
				slog.String("verb", r.Method), slog.String("uri", r.URL.RequestURI()),
				slog.Int("code", rec.code()), slog.Duration("latency", time.Since(start)),
				slog.String("userAgent", r.UserAgent()), slog.String("srcIP", r.RemoteAddr))
		}()
		next.ServeHTTP(rec, r)
	})
}

// recovered answers and logs a handler's panic. http.ErrAbortHandler is
// the deliberate way to abort a response: it is passed on to net/http.
func (s *Server) recovered(w *statusRecorder, r *http.Request, v any) {
	if v == http.ErrAbortHandler {
		panic(v)
	}
	s.errors.Log(slog.LevelError, "panic", "handler panicked",
		slog.String("verb", r.Method), slog.String("uri", r.URL.RequestURI()),
		slog.String("panic", fmt.Sprint(v)), slog.String("stack", string(debug.Stack())))
	if w.status != 0 {
		// Part of the response is out: only dropping the connection (or
		// the HTTP/2 stream) tells the client it is incomplete.
		panic(http.ErrAbortHandler)
	}
	apiserver.WriteStatus(w, &apierrors.NewInternalError(fmt.Errorf("the server panicked serving %s %s", r.Method, r.URL.Path)).ErrStatus)
}

// statusRecorder remembers the response code; Unwrap lets
// http.ResponseController reach the connection (flushes, deadlines).
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 && code >= 200 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

// Flush serves handlers that assert http.Flusher directly.
func (s *statusRecorder) Flush() {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	_ = http.NewResponseController(s.ResponseWriter).Flush()
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// code is the status sent, 200 when the handler wrote nothing.
func (s *statusRecorder) code() int {
	if s.status == 0 {
		return http.StatusOK
	}
	return s.status
}
