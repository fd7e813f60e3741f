package server

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/evictd/evictd/internal/apiserver"
)

// publicPaths answer without a token, as kube-apiserver's default RBAC
// lets anonymous clients read them.
var publicPaths = []string{"/healthz", "/livez", "/readyz", "/version"}

// authenticate requires the bearer token on every request but the public
// paths. As kube-apiserver does, a request is anonymous only when it
// presents no credentials at all: one carrying an Authorization header
// that does not authenticate gets 401 even on a public path (upstream's
// authentication filter fails the request before authorization could
// allow anonymous access).
func (s *Server) authenticate(next http.Handler) http.Handler {
	token := []byte(s.cfg.PKI.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header, presented := r.Header["Authorization"]
		switch {
		case presented && !validBearer(header, token):
			apiserver.WriteUnauthorized(w)
		case !presented && !isPublic(r.URL.Path):
			apiserver.WriteUnauthorized(w)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// validBearer reports whether the Authorization header values are exactly
// one "Bearer TOKEN" with the server's non-empty token (the scheme is
// case-insensitive, as upstream's bearer token authenticator reads it).
func validBearer(values []string, token []byte) bool {
	if len(values) != 1 || len(token) == 0 {
		return false
	}
	scheme, got, ok := strings.Cut(strings.TrimSpace(values[0]), " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return false
	}
	got = strings.TrimSpace(got)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), token) == 1
}

func isPublic(path string) bool {
	for _, p := range publicPaths {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}
