package server

import (
	"log/slog"
	"net/http"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/evictd/evictd/internal/flowcontrol"
	"github.com/evictd/evictd/internal/pki"
)

// TestComponentsHaveTheirOwnExemptIdentity: the in-process components'
// token is not the admin's, and flow control puts them in the exempt
// level while the admin's clients share global-default.
func TestComponentsHaveTheirOwnExemptIdentity(t *testing.T) {
	t.Parallel()
	bundle, err := pki.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(t.Context(), Config{Listen: "127.0.0.1:0", PKI: bundle, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(t.Context()) })
	if s.componentsToken == "" || s.componentsToken == bundle.Token {
		t.Fatalf("components token %q: empty or the admin's", s.componentsToken)
	}
	levelUID := map[string]string{}
	for _, l := range flowcontrol.Levels {
		levelUID[l.Name] = string(l.UID)
	}
	tests := []struct {
		name  string
		cfg   *rest.Config
		path  string
		level string
	}{
		{name: "admin", cfg: s.RESTConfig(), path: "/api/v1/namespaces", level: "global-default"},
		{name: "in-process components", cfg: s.componentsRESTConfig(), path: "/api/v1/namespaces", level: "exempt"},
		{name: "anonymous probe", cfg: anonymous(s.RESTConfig()), path: "/readyz", level: "exempt"},
		{name: "anonymous version", cfg: anonymous(s.RESTConfig()), path: "/version", level: "global-default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			transport, err := rest.TransportFor(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL()+tt.path, nil)
			resp, err := (&http.Client{Transport: transport}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("code %d", resp.StatusCode)
			}
			if got := resp.Header.Get("X-Kubernetes-PF-PriorityLevel-UID"); got != levelUID[tt.level] {
				t.Errorf("priority level UID %q, want %s's %q", got, tt.level, levelUID[tt.level])
			}
		})
	}
}

func anonymous(cfg *rest.Config) *rest.Config {
	cfg.BearerToken = ""
	return cfg
}
