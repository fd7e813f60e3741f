package server

import (
	"net/http"
	"strings"
	"time"
)

// longRunningSubresources stream for as long as the client reads; they
// are kube-apiserver's long-running subresources (its
// BasicLongRunningRequestCheck: attach, exec, proxy, log, portforward).
var longRunningSubresources = map[string]bool{"attach": true, "exec": true, "proxy": true, "log": true, "portforward": true}

// isLongRunning reports whether r is a watch (?watch=true|1 or the /watch/
// path form) or a streaming subresource: requests that may last for ever
// and so are exempt from the write timeout.
func isLongRunning(r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	if w := r.URL.Query().Get("watch"); w == "true" || w == "1" {
		return true
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		parts = parts[3:]
	default:
		return false
	}
	if parts[0] == "watch" {
		return true
	}
	// {resource}/{name}/{subresource}, possibly under namespaces/{ns}/.
	if len(parts) >= 5 && parts[0] == "namespaces" {
		parts = parts[2:]
	}
	return len(parts) == 3 && longRunningSubresources[parts[2]]
}

// exemptLongRunning lifts the server's write timeout from long-running
// requests: a watch or `logs -f` writes whenever something happens, for
// as long as the client wants.
func exemptLongRunning(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isLongRunning(r) {
			_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
		}
		next.ServeHTTP(w, r)
	})
}
