package openapi

import (
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/kube-openapi/pkg/handler3"
	"k8s.io/kube-openapi/pkg/openapiconv"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// encodeV3 encodes one OpenAPI 3.0 document per group/version and the
// index that points at them.
//
// The documents are converted from the Swagger 2.0 model with openapiconv,
// the converter kube-openapi uses for aggregated v2-only servers: it moves
// body parameters into requestBody, rewrites refs to #/components/schemas/
// and wraps refs that have siblings in allOf (builder3/util.WrapRefs), so
// both versions come from one model and cannot drift apart.
func encodeV3(version string, defs *schemaBuilder, api *apiSpec) (map[string]document, document, error) {
	encoded := map[string]json.RawMessage{} // v3 form of each definition, shared by the documents
	docs := make(map[string]document, len(api.gvs))
	index := handler3.OpenAPIV3Discovery{Paths: map[string]handler3.OpenAPIV3DiscoveryGroupVersion{}}
	for _, g := range api.gvs {
		doc := v3Document{OpenAPI: "3.0.0", Info: info(version), Paths: openapiconv.ConvertPaths(&spec.Paths{Paths: g.paths})}
		doc.Components.Schemas = map[string]json.RawMessage{}
		for name := range closure(defs.defs, g.roots) {
			if encoded[name] == nil {
				b, err := v3Schema(defs, name).MarshalJSON()
				if err != nil {
					return nil, document{}, fmt.Errorf("definition %s: %w", name, err)
				}
				encoded[name] = b
			}
			doc.Components.Schemas[name] = encoded[name]
		}
		body, err := json.Marshal(&doc)
		if err != nil {
			return nil, document{}, err
		}
		d := newDocument(body, "application/json")
		docs[g.path] = d
		index.Paths[g.path] = handler3.OpenAPIV3DiscoveryGroupVersion{
			ServerRelativeURL: "/openapi/v3/" + g.path + "?hash=" + d.hash,
		}
	}
	body, err := json.Marshal(index)
	if err != nil {
		return nil, document{}, err
	}
	return docs, newDocument(body, "application/json"), nil
}

// v3Document is spec3.OpenAPI with its schemas already encoded, so that a
// definition shared by several group/versions (ObjectMeta, PodSpec, …) is
// encoded once; encoding schemas is most of New's time. encoding/json
// sorts the map keys, so the bytes, and the hash, are stable.
type v3Document struct {
	OpenAPI    string       `json:"openapi"`
	Info       *spec.Info   `json:"info"`
	Paths      *spec3.Paths `json:"paths"`
	Components struct {
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

// v3Schema converts one definition. Types with OpenAPIV3OneOfTypes are
// published as oneOf in v3 instead of their v2 type, like openapi-gen does:
// IntOrString is {"format":"int-or-string","oneOf":[integer,string]} and
// Quantity {"oneOf":[string,number]}.
func v3Schema(defs *schemaBuilder, name string) *spec.Schema {
	def := defs.defs[name]
	s := openapiconv.ConvertSchema(&def)
	if types, ok := defs.oneOf[name]; ok {
		s.Type = nil
		s.OneOf = nil
		for _, t := range types {
			s.OneOf = append(s.OneOf, spec.Schema{SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{t}}})
		}
	}
	return s
}

// closure is roots and every definition they refer to.
func closure(defs spec.Definitions, roots map[string]bool) map[string]bool {
	seen := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		s := defs[name]
		walkRefs(&s, visit)
	}
	for name := range roots {
		visit(name)
	}
	return seen
}

// walkRefs calls visit with the definition name of every ref in s.
func walkRefs(s *spec.Schema, visit func(string)) {
	if s == nil {
		return
	}
	if ref := s.Ref.String(); ref != "" {
		visit(strings.TrimPrefix(ref, v2DefPrefix))
	}
	for _, p := range s.Properties {
		walkRefs(&p, visit)
	}
	if s.Items != nil {
		walkRefs(s.Items.Schema, visit)
	}
	if s.AdditionalProperties != nil {
		walkRefs(s.AdditionalProperties.Schema, visit)
	}
	for i := range s.AllOf {
		walkRefs(&s.AllOf[i], visit)
	}
}

func info(version string) *spec.Info {
	return &spec.Info{InfoProps: spec.InfoProps{Title: "Kubernetes", Version: version}}
}
