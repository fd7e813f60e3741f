package server

import (
	"crypto/rand"
	"crypto/subtle"
	"net/http"
	"strings"

	"k8s.io/client-go/rest"

	"github.com/evictd/evictd/internal/apiserver"
	"github.com/evictd/evictd/internal/flowcontrol"
)

// The identities the bearer tokens authenticate as, which flow control
// classifies. adminUser is the one token every external client shares
// (evictd-admin in system:masters, as whoami reports it).
// componentsUser is the in-process components' own, as
// kube-controller-manager and kube-scheduler have theirs: their token
// is made at start and never leaves the process, so no external client
// can share their exempt lane.
var (
	adminUser      = flowcontrol.User{Name: "evictd-admin", Groups: []string{flowcontrol.GroupMasters, flowcontrol.GroupAuthenticated}}
	componentsUser = flowcontrol.User{Name: flowcontrol.ComponentsUser, Groups: []string{flowcontrol.GroupMasters, flowcontrol.GroupAuthenticated}}
)

// newComponentsToken is a fresh random token (128 bits) for the
// in-process components.
func newComponentsToken() string { return rand.Text() }

// componentsRESTConfig reaches the server as the in-process components.
func (s *Server) componentsRESTConfig() *rest.Config {
	cfg := s.RESTConfig()
	cfg.BearerToken = s.componentsToken
	return cfg
}

// publicPaths answer without a token, as kube-apiserver's default RBAC
// lets anonymous clients read them.
var publicPaths = []string{"/healthz", "/livez", "/readyz", "/version"}

// authenticate requires a bearer token on every request but the public
// paths, and puts the user it authenticates (the admin, the in-process
// components, a user of the token file, or anonymous on a public path)
// into the request's context for flow control and the reviews. As
// kube-apiserver does, a request is anonymous only when it presents no
// credentials at all: one carrying an Authorization header that does not
// authenticate gets 401 even on a public path (upstream's authentication
// filter fails the request before authorization could allow anonymous
// access).
func (s *Server) authenticate(next http.Handler) http.Handler {
	admin, components := []byte(s.cfg.PKI.Token), []byte(s.componentsToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header, presented := r.Header["Authorization"]
		user, ok := flowcontrol.Anonymous, !presented && isPublic(r.URL.Path)
		if presented {
			user, ok = s.tokenUser(header, admin, components)
		}
		if !ok {
			apiserver.WriteUnauthorized(w)
			return
		}
		next.ServeHTTP(w, r.WithContext(flowcontrol.WithUser(r.Context(), user)))
	})
}

// tokenUser is the user the Authorization header's bearer token
// authenticates as: the admin, the in-process components, or a user of
// Config.TokenFile (the admin's token wins over the file's, so the
// kubeconfig serve writes always works).
func (s *Server) tokenUser(header []string, admin, components []byte) (flowcontrol.User, bool) {
	token, ok := bearerToken(header)
	switch {
	case !ok:
		return flowcontrol.User{}, false
	case equalToken(token, admin):
		return adminUser, true
	case equalToken(token, components):
		return componentsUser, true
	}
	return s.cfg.TokenFile.user(token)
}

// bearerToken is the token of Authorization header values that are
// exactly one non-empty "Bearer TOKEN" (the scheme is case-insensitive,
// as upstream's bearer token authenticator reads it).
func bearerToken(values []string) (string, bool) {
	if len(values) != 1 {
		return "", false
	}
	scheme, token, ok := strings.Cut(strings.TrimSpace(values[0]), " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// equalToken compares in constant time; an empty want matches nothing.
func equalToken(got string, want []byte) bool {
	return len(want) > 0 && subtle.ConstantTimeCompare([]byte(got), want) == 1
}

func isPublic(path string) bool {
	for _, p := range publicPaths {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}
