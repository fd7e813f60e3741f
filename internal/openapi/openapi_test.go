package openapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/kube-openapi/pkg/handler3"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"github.com/evictd/evictd/internal/openapi"
)

// get serves one request and fails the test unless it gets want.
func get(t *testing.T, d http.Handler, path, accept string, want int) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	d.ServeHTTP(rec, req)
	if rec.Code != want {
		t.Fatalf("GET %s: status %d, want %d; body %.300s", path, rec.Code, want, rec.Body)
	}
	return rec
}

// v3Docs fetches the index and every document it lists, as client-go
// does: by serverRelativeURL, asking for JSON.
func v3Docs(t *testing.T, d http.Handler) map[string]*spec3.OpenAPI {
	t.Helper()
	var index handler3.OpenAPIV3Discovery
	if err := json.Unmarshal(get(t, d, "/openapi/v3", "application/json", http.StatusOK).Body.Bytes(), &index); err != nil {
		t.Fatal(err)
	}
	docs := map[string]*spec3.OpenAPI{}
	for gv, entry := range index.Paths {
		if !strings.Contains(entry.ServerRelativeURL, "?hash=") {
			t.Errorf("%s: serverRelativeURL %q has no hash", gv, entry.ServerRelativeURL)
		}
		doc := &spec3.OpenAPI{}
		if err := json.Unmarshal(get(t, d, entry.ServerRelativeURL, "application/json", http.StatusOK).Body.Bytes(), doc); err != nil {
			t.Fatalf("%s: %v", gv, err)
		}
		docs[gv] = doc
	}
	return docs
}

func TestV3IndexListsEveryGroupVersion(t *testing.T) {
	t.Parallel()
	docs := v3Docs(t, newDocuments(t))
	want := []string{"api/v1", "apis/apps/v1", "apis/batch/v1", "apis/coordination.k8s.io/v1", "apis/discovery.k8s.io/v1", "apis/events.k8s.io/v1", "apis/policy/v1"}
	var got []string
	for gv := range docs {
		got = append(got, gv)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("index lists %v, want %v", got, want)
	}
}

// TestV3PatchOperations checks what kubectl's fieldValidation check and
// client-side apply look for, for every served kind.
func TestV3PatchOperations(t *testing.T) {
	t.Parallel()
	docs := v3Docs(t, newDocuments(t))
	for _, r := range served() {
		t.Run(r.Group+"/"+r.Kind, func(t *testing.T) {
			t.Parallel()
			doc := docs[gvPath(r)]
			if doc == nil {
				t.Fatalf("no document for %s", gvPath(r))
			}
			item := "/" + gvPath(r) + "/" + r.Plural + "/{name}"
			if r.Namespaced {
				item = "/" + gvPath(r) + "/namespaces/{namespace}/" + r.Plural + "/{name}"
			}
			path := doc.Paths.Paths[item]
			if path == nil || path.Patch == nil {
				t.Fatalf("no PATCH %s", item)
			}
			op := path.Patch
			var gvk map[string]string
			if err := op.Extensions.GetObject("x-kubernetes-group-version-kind", &gvk); err != nil ||
				gvk["group"] != r.Group || gvk["version"] != r.Version || gvk["kind"] != r.Kind {
				t.Errorf("x-kubernetes-group-version-kind = %v (%v)", gvk, err)
			}
			if action, _ := op.Extensions.GetString("x-kubernetes-action"); action != "patch" {
				t.Errorf("x-kubernetes-action = %q", action)
			}
			for _, name := range []string{"fieldValidation", "fieldManager", "dryRun", "force"} {
				if !slices.ContainsFunc(op.Parameters, func(p *spec3.Parameter) bool { return p.Name == name && p.In == "query" }) {
					t.Errorf("no query parameter %s", name)
				}
			}
			for _, ct := range []string{"application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"} {
				if op.RequestBody == nil || op.RequestBody.Content[ct] == nil {
					t.Errorf("requestBody has no %s", ct)
				}
			}
			// kubectl explain and client-side apply find the schema by its
			// x-kubernetes-group-version-kind.
			if len(kindSchemas(doc, r.Group, r.Version, r.Kind)) != 1 {
				t.Errorf("no components.schemas entry tagged %s/%s %s", r.Group, r.Version, r.Kind)
			}
		})
	}
}

// TestV3EveryPatchCarriesFieldValidation guards a kubectl quirk: the
// verifier stops at the first PATCH tagged with the kind, which may be a
// subresource (pods/status) as Go map order decides.
func TestV3EveryPatchCarriesFieldValidation(t *testing.T) {
	t.Parallel()
	for gv, doc := range v3Docs(t, newDocuments(t)) {
		for path, item := range doc.Paths.Paths {
			if item.Patch == nil {
				continue
			}
			if !slices.ContainsFunc(item.Patch.Parameters, func(p *spec3.Parameter) bool { return p.Name == "fieldValidation" }) {
				t.Errorf("%s %s: PATCH without fieldValidation", gv, path)
			}
		}
	}
}

func TestV3Paths(t *testing.T) {
	t.Parallel()
	docs := v3Docs(t, newDocuments(t))
	for _, tc := range []struct {
		name, gv, path, method, kind string
	}{
		{"pod list", "api/v1", "/api/v1/namespaces/{namespace}/pods", "get", "Pod"},
		{"pod create", "api/v1", "/api/v1/namespaces/{namespace}/pods", "post", "Pod"},
		{"pod deletecollection", "api/v1", "/api/v1/namespaces/{namespace}/pods", "delete", "Pod"},
		{"pods in all namespaces", "api/v1", "/api/v1/pods", "get", "Pod"},
		{"pod read", "api/v1", "/api/v1/namespaces/{namespace}/pods/{name}", "get", "Pod"},
		{"pod replace", "api/v1", "/api/v1/namespaces/{namespace}/pods/{name}", "put", "Pod"},
		{"pod delete", "api/v1", "/api/v1/namespaces/{namespace}/pods/{name}", "delete", "Pod"},
		{"pod status patch", "api/v1", "/api/v1/namespaces/{namespace}/pods/{name}/status", "patch", "Pod"},
		{"pod eviction", "api/v1", "/api/v1/namespaces/{namespace}/pods/{name}/eviction", "post", "Eviction"},
		{"pod binding", "api/v1", "/api/v1/namespaces/{namespace}/pods/{name}/binding", "post", "Binding"},
		{"node is cluster-scoped", "api/v1", "/api/v1/nodes/{name}", "patch", "Node"},
		{"namespace status", "api/v1", "/api/v1/namespaces/{name}/status", "put", "Namespace"},
		{"deployment scale", "apis/apps/v1", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale", "patch", "Scale"},
		{"rc scale", "api/v1", "/api/v1/namespaces/{namespace}/replicationcontrollers/{name}/scale", "get", "Scale"},
		{"pdb status", "apis/policy/v1", "/apis/policy/v1/namespaces/{namespace}/poddisruptionbudgets/{name}/status", "get", "PodDisruptionBudget"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			item := docs[tc.gv].Paths.Paths[tc.path]
			if item == nil {
				t.Fatalf("no path %s", tc.path)
			}
			ops := map[string]*spec3.Operation{"get": item.Get, "put": item.Put, "post": item.Post, "patch": item.Patch, "delete": item.Delete}
			op := ops[tc.method]
			if op == nil {
				t.Fatalf("no %s on %s", tc.method, tc.path)
			}
			var gvk map[string]string
			if err := op.Extensions.GetObject("x-kubernetes-group-version-kind", &gvk); err != nil || gvk["kind"] != tc.kind {
				t.Errorf("GVK %v (%v), want kind %s", gvk, err, tc.kind)
			}
		})
	}
	if docs["apis/apps/v1"].Paths.Paths["/apis/apps/v1/namespaces/{namespace}/daemonsets/{name}/scale"] != nil {
		t.Error("daemonsets/scale is published but not served")
	}
}

// kindSchemas names the component schemas tagged with a kind.
func kindSchemas(doc *spec3.OpenAPI, group, version, kind string) []string {
	var names []string
	for name, s := range doc.Components.Schemas {
		var gvks []map[string]string
		if s.Extensions.GetObject("x-kubernetes-group-version-kind", &gvks) != nil {
			continue
		}
		for _, gvk := range gvks {
			if gvk["group"] == group && gvk["version"] == version && gvk["kind"] == kind {
				names = append(names, name)
			}
		}
	}
	return names
}

func gvPath(r openapi.Resource) string {
	if r.Group == "" {
		return "api/" + r.Version
	}
	return "apis/" + r.Group + "/" + r.Version
}

// TestV3Schemas checks definitions against what a real apiserver publishes
// for the same types.
func TestV3Schemas(t *testing.T) {
	t.Parallel()
	docs := v3Docs(t, newDocuments(t))
	core := docs["api/v1"].Components.Schemas
	apps := docs["apis/apps/v1"].Components.Schemas
	containerDoc := corev1.Container{}.SwaggerDoc()
	for _, tc := range []struct {
		name   string
		schema *spec.Schema
		check  func(*spec.Schema) string
	}{
		{"Container description from SwaggerDoc", core["io.k8s.api.core.v1.Container"], func(s *spec.Schema) string {
			return expect(s.Description == containerDoc[""] && s.Properties["image"].Description == containerDoc["image"], "descriptions differ from SwaggerDoc")
		}},
		{"Container.name is required, image is not", core["io.k8s.api.core.v1.Container"], func(s *spec.Schema) string {
			return expect(slices.Contains(s.Required, "name") && !slices.Contains(s.Required, "image"), "required = %v", s.Required)
		}},
		{"Pod.spec wraps its ref in allOf", core["io.k8s.api.core.v1.Pod"], func(s *spec.Schema) string {
			p := s.Properties["spec"]
			return expect(p.Ref.String() == "" && len(p.AllOf) == 1 && p.AllOf[0].Ref.String() == "#/components/schemas/io.k8s.api.core.v1.PodSpec" && p.Description != "",
				"spec = %+v", p)
		}},
		{"Pod has its GVK", core["io.k8s.api.core.v1.Pod"], func(s *spec.Schema) string {
			var gvks []map[string]string
			_ = s.Extensions.GetObject("x-kubernetes-group-version-kind", &gvks)
			return expect(len(gvks) == 1 && gvks[0]["kind"] == "Pod" && gvks[0]["version"] == "v1" && gvks[0]["group"] == "", "gvks = %v", gvks)
		}},
		{"PodSpec.containers patch strategy", core["io.k8s.api.core.v1.PodSpec"], func(s *spec.Schema) string {
			p := s.Properties["containers"]
			ms, _ := p.Extensions.GetString("x-kubernetes-patch-strategy")
			mk, _ := p.Extensions.GetString("x-kubernetes-patch-merge-key")
			return expect(ms == "merge" && mk == "name" && p.Type.Contains("array") && p.Items.Schema.AllOf[0].Ref.String() == "#/components/schemas/io.k8s.api.core.v1.Container",
				"containers = %+v", p)
		}},
		{"PodSpec.volumes merge,retainKeys", core["io.k8s.api.core.v1.PodSpec"], func(s *spec.Schema) string {
			ms, _ := s.Properties["volumes"].Extensions.GetString("x-kubernetes-patch-strategy")
			return expect(ms == "merge,retainKeys", "volumes strategy %q", ms)
		}},
		{"ObjectMeta.labels is a map of strings", core["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"], func(s *spec.Schema) string {
			p := s.Properties["labels"]
			return expect(p.Type.Contains("object") && p.AdditionalProperties.Schema.Type.Contains("string"), "labels = %+v", p)
		}},
		{"ObjectMeta.generation is int64", core["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"], func(s *spec.Schema) string {
			p := s.Properties["generation"]
			return expect(p.Type.Contains("integer") && p.Format == "int64", "generation = %+v", p)
		}},
		{"Quantity is oneOf string, number", core["io.k8s.apimachinery.pkg.api.resource.Quantity"], func(s *spec.Schema) string {
			return expect(len(s.Type) == 0 && len(s.OneOf) == 2 && s.OneOf[0].Type.Contains("string") && s.OneOf[1].Type.Contains("number"), "quantity = %+v", s)
		}},
		{"IntOrString is int-or-string", core["io.k8s.apimachinery.pkg.util.intstr.IntOrString"], func(s *spec.Schema) string {
			return expect(s.Format == "int-or-string" && len(s.OneOf) == 2 && s.OneOf[0].Type.Contains("integer"), "intorstring = %+v", s)
		}},
		{"Time is a date-time string", core["io.k8s.apimachinery.pkg.apis.meta.v1.Time"], func(s *spec.Schema) string {
			return expect(s.Type.Contains("string") && s.Format == "date-time", "time = %+v", s)
		}},
		{"MicroTime is a date-time string", core["io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"], func(s *spec.Schema) string {
			return expect(s.Type.Contains("string") && s.Format == "date-time", "microtime = %+v", s)
		}},
		{"DeploymentSpec.selector pointer is still required", apps["io.k8s.api.apps.v1.DeploymentSpec"], func(s *spec.Schema) string {
			return expect(slices.Contains(s.Required, "selector") && slices.Contains(s.Required, "template"), "required = %v", s.Required)
		}},
		{"+optional without omitempty is not required", core["io.k8s.api.core.v1.Event"], func(s *spec.Schema) string {
			return expect(!slices.Contains(s.Required, "reportingComponent") && slices.Contains(s.Required, "involvedObject"), "required = %v", s.Required)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.schema == nil {
				t.Fatal("schema missing")
			}
			if msg := tc.check(tc.schema); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func expect(ok bool, format string, args ...any) string {
	if ok {
		return ""
	}
	return fmt.Sprintf(format, args...)
}
