package openapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	openapi_v2 "github.com/google/gnostic-models/openapiv2"
	"google.golang.org/protobuf/proto"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

const (
	// protobufAccept is what client-go and kubectl send.
	protobufAccept = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
	// protobufContentType is what must come back: the "@" form does not
	// parse as a MIME type on the client.
	protobufContentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
)

func TestV2Negotiation(t *testing.T) {
	t.Parallel()
	d := newDocuments(t)
	for _, tc := range []struct {
		name, path, accept, wantType string
	}{
		{"protobuf, @ form", "/openapi/v2", protobufAccept, protobufContentType},
		{"protobuf, dotted form", "/openapi/v2", protobufContentType, protobufContentType},
		{"protobuf before json", "/openapi/v2", protobufAccept + ", application/json", protobufContentType},
		{"json", "/openapi/v2", "application/json", "application/json"},
		{"json before protobuf", "/openapi/v2", "application/json, " + protobufAccept, "application/json"},
		{"no accept", "/openapi/v2", "", "application/json"},
		{"legacy path is protobuf", "/swagger-2.0.0.pb-v1", protobufAccept, protobufContentType},
		{"legacy path without accept", "/swagger-2.0.0.pb-v1", "", protobufContentType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := get(t, d, tc.path, tc.accept, http.StatusOK)
			if got := rec.Header().Get("Content-Type"); got != tc.wantType {
				t.Fatalf("Content-Type %q, want %q", got, tc.wantType)
			}
			if tc.wantType == protobufContentType {
				doc := &openapi_v2.Document{}
				if err := proto.Unmarshal(rec.Body.Bytes(), doc); err != nil || doc.Swagger != "2.0" {
					t.Fatalf("protobuf does not decode: %v (swagger %q)", err, doc.Swagger)
				}
			} else {
				sw := &spec.Swagger{}
				if err := json.Unmarshal(rec.Body.Bytes(), sw); err != nil || sw.Swagger != "2.0" {
					t.Fatalf("JSON does not decode: %v", err)
				}
			}
		})
	}
}

// TestV2ProtobufMatchesParseDocument checks the protobuf against what
// kube-openapi would serve for the same JSON: openapi_v2.ParseDocument.
func TestV2ProtobufMatchesParseDocument(t *testing.T) {
	t.Parallel()
	d := newDocuments(t)
	parsed, err := openapi_v2.ParseDocument(get(t, d, "/openapi/v2", "application/json", http.StatusOK).Body.Bytes())
	if err != nil {
		t.Fatalf("served JSON is not a valid Swagger 2.0 document: %v", err)
	}
	served := &openapi_v2.Document{}
	if err := proto.Unmarshal(get(t, d, "/openapi/v2", protobufAccept, http.StatusOK).Body.Bytes(), served); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(parsed, served) {
		t.Error("protobuf document differs from openapi_v2.ParseDocument(JSON document)")
		diffPaths(t, parsed, served)
	}
}

// diffPaths narrows a mismatch down to the first differing path or definition.
func diffPaths(t *testing.T, want, got *openapi_v2.Document) {
	t.Helper()
	for i, p := range want.GetPaths().GetPath() {
		if i >= len(got.GetPaths().GetPath()) || !proto.Equal(p, got.Paths.Path[i]) {
			t.Errorf("first differing path: %s", p.Name)
			return
		}
	}
	for i, s := range want.GetDefinitions().GetAdditionalProperties() {
		if i >= len(got.GetDefinitions().GetAdditionalProperties()) || !proto.Equal(s, got.Definitions.AdditionalProperties[i]) {
			t.Errorf("first differing definition: %s", s.Name)
			return
		}
	}
}

func TestV2PatchOperations(t *testing.T) {
	t.Parallel()
	d := newDocuments(t)
	sw := &spec.Swagger{}
	if err := json.Unmarshal(get(t, d, "/openapi/v2", "", http.StatusOK).Body.Bytes(), sw); err != nil {
		t.Fatal(err)
	}
	for _, r := range served() {
		t.Run(r.Group+"/"+r.Kind, func(t *testing.T) {
			t.Parallel()
			item := "/" + gvPath(r) + "/" + r.Plural + "/{name}"
			if r.Namespaced {
				item = "/" + gvPath(r) + "/namespaces/{namespace}/" + r.Plural + "/{name}"
			}
			op := sw.Paths.Paths[item].Patch
			if op == nil {
				t.Fatalf("no PATCH %s", item)
			}
			var gvk map[string]string
			if err := op.Extensions.GetObject("x-kubernetes-group-version-kind", &gvk); err != nil || gvk["kind"] != r.Kind || gvk["group"] != r.Group {
				t.Errorf("GVK %v (%v)", gvk, err)
			}
			found := false
			for _, p := range op.Parameters {
				if p.Name == "fieldValidation" && p.In == "query" && p.Type == "string" && p.UniqueItems {
					found = true
				}
			}
			if !found {
				t.Error("no fieldValidation query parameter of type string")
			}
			for _, def := range sw.Definitions {
				if def.Ref.String() != "" {
					t.Fatalf("definition is a bare ref")
				}
			}
		})
	}
}
