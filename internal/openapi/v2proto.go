package openapi

import (
	"maps"
	"slices"
	"strconv"

	openapi_v2 "github.com/google/gnostic-models/openapiv2"
	"go.yaml.in/yaml/v3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// The functions here build gnostic's Swagger model straight from ours.
// kube-openapi gets it by openapi_v2.ParseDocument on the JSON, which
// re-parses the whole document as YAML and tries every alternative of each
// parameter; that alone took half of New. They cover only what this package
// publishes, and a test checks that the result equals ParseDocument's.

func protoDocument(sw *spec.Swagger) *openapi_v2.Document {
	doc := &openapi_v2.Document{
		Swagger:     sw.Swagger,
		Info:        &openapi_v2.Info{Title: sw.Info.Title, Version: sw.Info.Version},
		Paths:       &openapi_v2.Paths{},
		Definitions: &openapi_v2.Definitions{},
	}
	for _, path := range slices.Sorted(maps.Keys(sw.Paths.Paths)) {
		doc.Paths.Path = append(doc.Paths.Path, &openapi_v2.NamedPathItem{Name: path, Value: protoPathItem(sw.Paths.Paths[path])})
	}
	doc.Definitions.AdditionalProperties = protoNamedSchemas(sw.Definitions)
	return doc
}

func protoPathItem(p spec.PathItem) *openapi_v2.PathItem {
	return &openapi_v2.PathItem{
		Get:        protoOperation(p.Get),
		Put:        protoOperation(p.Put),
		Post:       protoOperation(p.Post),
		Delete:     protoOperation(p.Delete),
		Patch:      protoOperation(p.Patch),
		Parameters: protoParameters(p.Parameters),
	}
}

func protoOperation(o *spec.Operation) *openapi_v2.Operation {
	if o == nil {
		return nil
	}
	out := &openapi_v2.Operation{
		Tags:            o.Tags,
		Description:     o.Description,
		OperationId:     o.ID,
		Produces:        o.Produces,
		Consumes:        o.Consumes,
		Parameters:      protoParameters(o.Parameters),
		Responses:       &openapi_v2.Responses{},
		VendorExtension: protoExtensions(o.Extensions),
	}
	codes := o.Responses.StatusCodeResponses
	for _, code := range slices.Sorted(maps.Keys(codes)) {
		r := &openapi_v2.Response{Description: codes[code].Description}
		if s := codes[code].Schema; s != nil {
			r.Schema = &openapi_v2.SchemaItem{Oneof: &openapi_v2.SchemaItem_Schema{Schema: protoSchema(s)}}
		}
		out.Responses.ResponseCode = append(out.Responses.ResponseCode, &openapi_v2.NamedResponseValue{
			Name:  strconv.Itoa(code),
			Value: &openapi_v2.ResponseValue{Oneof: &openapi_v2.ResponseValue_Response{Response: r}},
		})
	}
	return out
}

func protoParameters(ps []spec.Parameter) []*openapi_v2.ParametersItem {
	var out []*openapi_v2.ParametersItem
	for _, p := range ps {
		var param openapi_v2.Parameter
		switch p.In {
		case "body":
			param.Oneof = &openapi_v2.Parameter_BodyParameter{BodyParameter: &openapi_v2.BodyParameter{
				Description: p.Description, Name: p.Name, In: p.In, Required: p.Required, Schema: protoSchema(p.Schema),
			}}
		case "path":
			param.Oneof = &openapi_v2.Parameter_NonBodyParameter{NonBodyParameter: &openapi_v2.NonBodyParameter{
				Oneof: &openapi_v2.NonBodyParameter_PathParameterSubSchema{PathParameterSubSchema: &openapi_v2.PathParameterSubSchema{
					Required: p.Required, In: p.In, Description: p.Description, Name: p.Name, Type: p.Type, UniqueItems: p.UniqueItems,
				}},
			}}
		default: // query
			param.Oneof = &openapi_v2.Parameter_NonBodyParameter{NonBodyParameter: &openapi_v2.NonBodyParameter{
				Oneof: &openapi_v2.NonBodyParameter_QueryParameterSubSchema{QueryParameterSubSchema: &openapi_v2.QueryParameterSubSchema{
					Required: p.Required, In: p.In, Description: p.Description, Name: p.Name, Type: p.Type, UniqueItems: p.UniqueItems,
				}},
			}}
		}
		out = append(out, &openapi_v2.ParametersItem{Oneof: &openapi_v2.ParametersItem_Parameter{Parameter: &param}})
	}
	return out
}

func protoSchema(s *spec.Schema) *openapi_v2.Schema {
	out := &openapi_v2.Schema{
		XRef:            s.Ref.String(),
		Format:          s.Format,
		Description:     s.Description,
		Required:        s.Required,
		VendorExtension: protoExtensions(s.Extensions),
	}
	if s.Default != nil {
		out.Default = protoAny(s.Default)
	}
	if len(s.Type) > 0 {
		out.Type = &openapi_v2.TypeItem{Value: s.Type}
	}
	if s.Items != nil && s.Items.Schema != nil {
		out.Items = &openapi_v2.ItemsItem{Schema: []*openapi_v2.Schema{protoSchema(s.Items.Schema)}}
	}
	if ap := s.AdditionalProperties; ap != nil {
		if ap.Schema != nil {
			out.AdditionalProperties = &openapi_v2.AdditionalPropertiesItem{Oneof: &openapi_v2.AdditionalPropertiesItem_Schema{Schema: protoSchema(ap.Schema)}}
		} else {
			out.AdditionalProperties = &openapi_v2.AdditionalPropertiesItem{Oneof: &openapi_v2.AdditionalPropertiesItem_Boolean{Boolean: ap.Allows}}
		}
	}
	for i := range s.AllOf {
		out.AllOf = append(out.AllOf, protoSchema(&s.AllOf[i]))
	}
	if len(s.Properties) > 0 {
		out.Properties = &openapi_v2.Properties{AdditionalProperties: protoNamedSchemas(s.Properties)}
	}
	return out
}

func protoNamedSchemas(schemas map[string]spec.Schema) []*openapi_v2.NamedSchema {
	out := make([]*openapi_v2.NamedSchema, 0, len(schemas))
	for _, name := range slices.Sorted(maps.Keys(schemas)) {
		s := schemas[name]
		out = append(out, &openapi_v2.NamedSchema{Name: name, Value: protoSchema(&s)})
	}
	return out
}

// protoExtensions are sorted like the JSON encoder sorts them.
func protoExtensions(ext spec.Extensions) []*openapi_v2.NamedAny {
	var out []*openapi_v2.NamedAny
	for _, name := range slices.Sorted(maps.Keys(ext)) {
		out = append(out, &openapi_v2.NamedAny{Name: name, Value: protoAny(ext[name])})
	}
	return out
}

// protoAny holds a value as YAML text, which is how gnostic keeps
// extensions and defaults.
func protoAny(v any) *openapi_v2.Any {
	// Only strings, numbers, booleans and maps or lists of them reach
	// here, which always marshal.
	b, _ := yaml.Marshal(v)
	return &openapi_v2.Any{Yaml: string(b)}
}
