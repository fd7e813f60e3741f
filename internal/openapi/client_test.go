package openapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/resource"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/openapi/cached"
	"k8s.io/client-go/rest"
	kubectlopenapi "k8s.io/kubectl/pkg/util/openapi"
)

// clients talks to an httptest server serving h, the way kubectl does.
type clients struct {
	discovery *discovery.DiscoveryClient
	dynamic   dynamic.Interface
}

func newClients(t *testing.T, h http.Handler) clients {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := &rest.Config{Host: srv.URL}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return clients{discovery: dc, dynamic: dyn}
}

// verifiers are built as kubectl's factory (pkg/cmd/util
// factory_client_access.go) builds them for --validate=strict.
func (c clients) v3Verifier() resource.Verifier {
	return resource.NewQueryParamVerifierV3(c.dynamic, cached.NewClient(c.discovery.OpenAPIV3()), resource.QueryParamFieldValidation)
}

func (c clients) v2Verifier() resource.Verifier {
	return resource.NewQueryParamVerifier(c.dynamic, kubectlopenapi.NewOpenAPIGetter(c.discovery), resource.QueryParamFieldValidation)
}

func (c clients) fallbackVerifier() resource.Verifier {
	return resource.NewFallbackQueryParamVerifier(c.v3Verifier(), c.v2Verifier())
}

// without404 hides paths starting with prefix, like a server without them.
func without404(h http.Handler, prefix string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, prefix) {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// TestKubectlConcludesFieldValidationIsSupported runs cli-runtime's
// verifiers against the served documents: with a nil error kubectl skips
// client-side validation and sends fieldValidation=Strict.
func TestKubectlConcludesFieldValidationIsSupported(t *testing.T) {
	t.Parallel()
	d := newDocuments(t)
	full := newClients(t, d)
	v2Only := newClients(t, without404(d, "/openapi/v3"))
	for _, tc := range []struct {
		name     string
		verifier resource.Verifier
	}{
		{"kubectl 1.29+ (v3)", full.v3Verifier()},
		{"kubectl 1.29+ (fallback chain)", full.fallbackVerifier()},
		{"kubectl 1.27/1.28 (v2 protobuf)", full.v2Verifier()},
		{"kubectl 1.29+ against a server without v3", v2Only.fallbackVerifier()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, gvk := range []schema.GroupVersionKind{
				{Version: "v1", Kind: "Pod"},
				{Group: "apps", Version: "v1", Kind: "Deployment"},
				{Group: "policy", Version: "v1", Kind: "PodDisruptionBudget"},
			} {
				if err := tc.verifier.HasSupport(gvk); err != nil {
					t.Errorf("%v: %v", gvk, err)
				}
			}
			for _, r := range served() {
				gvk := schema.GroupVersionKind{Group: r.Group, Version: r.Version, Kind: r.Kind}
				if err := tc.verifier.HasSupport(gvk); err != nil {
					t.Errorf("%v: %v", gvk, err)
				}
			}
		})
	}
	t.Run("an unserved kind is not supported", func(t *testing.T) {
		t.Parallel()
		err := full.v3Verifier().HasSupport(schema.GroupVersionKind{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "Role"})
		if !resource.IsParamUnsupportedError(err) {
			t.Errorf("rbac.authorization.k8s.io/v1 Role: %v, want paramUnsupportedError", err)
		}
	})
}
