package server

import (
	"log"
	"log/slog"
	"strings"
)

// httpErrorLog receives what net/http (and its HTTP/2 server) reports
// about connections: TLS handshake failures, accept errors, protocol
// errors. These are the only trace of a client failing before any request
// is served, so they are logged at WARN (ERROR for accept failures, which
// stop new clients), rate-limited per kind, never at DEBUG where nobody
// sees them.
type httpErrorLog struct {
	log *limitedLog
}

// newHTTPErrorLog returns the *log.Logger for http.Server.ErrorLog.
func newHTTPErrorLog(l *limitedLog) *log.Logger {
	return log.New(httpErrorLog{log: l}, "", 0)
}

func (e httpErrorLog) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	level, kind := classifyHTTPError(msg)
	e.log.Log(level, kind, msg, slog.String("source", "http"))
	return len(p), nil
}

// classifyHTTPError maps one of net/http's messages to a level and a
// rate-limit kind.
func classifyHTTPError(msg string) (slog.Level, string) {
	switch {
	case strings.Contains(msg, "TLS handshake error"):
		return slog.LevelWarn, "tls"
	case strings.Contains(msg, "panic serving"):
		return slog.LevelError, "panic"
	case strings.Contains(msg, "Accept error"):
		return slog.LevelError, "accept"
	}
	return slog.LevelWarn, "http"
}
