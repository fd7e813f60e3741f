package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/evictd/evictd/internal/pki"
	"github.com/evictd/evictd/internal/server"
	"github.com/evictd/evictd/pkg/testserver"
)

// anonymousClient trusts the server's CA and sends no credentials: each
// request sets its own Authorization header.
func anonymousClient(t *testing.T, srv *testserver.Server) *http.Client {
	t.Helper()
	cfg := srv.RESTConfig()
	cfg.BearerToken = ""
	transport, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: transport}
}

// TestInvalidCredentialsAreRefusedEverywhere: as kube-apiserver, a request
// is anonymous only without an Authorization header; one presenting a
// wrong, empty or malformed credential gets 401 even on the paths
// anonymous clients may read.
func TestInvalidCredentialsAreRefusedEverywhere(t *testing.T) {
	t.Parallel()
	srv := testserver.StartWith(t, testserver.Options{WithoutControllers: true})
	client := anonymousClient(t, srv)
	token := srv.RESTConfig().BearerToken
	for _, tc := range []struct {
		name   string
		header []string // nil: no Authorization header
		public int      // code on /healthz, /livez, /readyz, /version
		api    int      // code on /api/v1/namespaces
	}{
		{"no header", nil, http.StatusOK, http.StatusUnauthorized},
		{"right token", []string{"Bearer " + token}, http.StatusOK, http.StatusOK},
		{"lower-case scheme", []string{"bearer " + token}, http.StatusOK, http.StatusOK},
		{"wrong token", []string{"Bearer wrong"}, http.StatusUnauthorized, http.StatusUnauthorized},
		{"empty token", []string{"Bearer "}, http.StatusUnauthorized, http.StatusUnauthorized},
		{"empty header", []string{""}, http.StatusUnauthorized, http.StatusUnauthorized},
		{"basic auth", []string{"Basic YWRtaW46YWRtaW4="}, http.StatusUnauthorized, http.StatusUnauthorized},
		{"token twice", []string{"Bearer " + token, "Bearer " + token}, http.StatusUnauthorized, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, path := range []string{"/healthz", "/livez", "/readyz", "/version", "/api/v1/namespaces"} {
				want := tc.public
				if strings.HasPrefix(path, "/api/") {
					want = tc.api
				}
				req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL()+path, nil)
				if err != nil {
					t.Fatal(err)
				}
				if tc.header != nil {
					req.Header["Authorization"] = tc.header
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != want {
					t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
				}
			}
		})
	}
}

// TestEmptyTokenRefusesToStart: a server given an empty credential would
// authenticate "Authorization: Bearer "; it must not start.
func TestEmptyTokenRefusesToStart(t *testing.T) {
	t.Parallel()
	bundle, err := pki.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	bundle.Token = ""
	srv, err := server.Start(t.Context(), server.Config{Listen: "127.0.0.1:0", PKI: bundle, Log: slog.New(slog.DiscardHandler)})
	if err == nil {
		_ = srv.Shutdown(context.Background())
		t.Fatal("started with an empty token")
	}
	if !strings.Contains(err.Error(), "empty") {
		t.Errorf("err = %v, want it to say the token is empty", err)
	}
}
