package openapi

import (
	"fmt"
	"reflect"
	"strings"

	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// Methods of the k8s.io/api and apimachinery types that openapi-gen reads;
// reading them here keeps names, special types and descriptions identical to
// what a real apiserver publishes.
type (
	modelNamer interface{ OpenAPIModelName() string }
	// schemaTyper marks types published as a plain type and format
	// (Quantity, IntOrString, Time, MicroTime, Duration).
	schemaTyper interface {
		OpenAPISchemaType() []string
		OpenAPISchemaFormat() string
	}
	// oneOfTyper gives the v3 "oneOf" alternatives (IntOrString, Quantity).
	oneOfTyper      interface{ OpenAPIV3OneOfTypes() []string }
	swaggerDocer    interface{ SwaggerDoc() map[string]string }
	jsonUnmarshaler interface{ UnmarshalJSON([]byte) error }
)

// v2DefPrefix is where Swagger 2.0 refs point; v3 refs are rewritten by
// openapiconv.
const v2DefPrefix = "#/definitions/"

// typeDocs are descriptions for the apimachinery types that have no
// SwaggerDoc method (upstream takes them from Go comments).
var typeDocs = map[string]string{
	"io.k8s.apimachinery.pkg.api.resource.Quantity":   "Quantity is a fixed-point representation of a number, written as a string such as \"100m\", \"1.5Gi\" or \"2\".",
	"io.k8s.apimachinery.pkg.util.intstr.IntOrString": "IntOrString is a type that can hold an int32 or a string.",
	"io.k8s.apimachinery.pkg.apis.meta.v1.Time":       "Time is a timestamp in RFC 3339 form, with second precision.",
	"io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime":  "MicroTime is a timestamp in RFC 3339 form, with microsecond precision.",
	"io.k8s.apimachinery.pkg.apis.meta.v1.Duration":   "Duration is a time.Duration written as a string such as \"1m30s\".",
	"io.k8s.apimachinery.pkg.runtime.RawExtension":    "RawExtension holds an embedded object of any kind, serialized as JSON.",
}

// requiredByComment holds the fields whose "required" upstream comes from
// a +required or +optional comment that contradicts the json tag, which is
// all reflection sees: openapi-gen lets the comment win. Only types the
// served kinds reach are listed; TestRequiredMatchesComments reads the
// k8s.io/api sources and names any entry an upgrade adds or removes.
var requiredByComment = map[string]map[string]bool{
	// +optional without omitempty.
	"io.k8s.api.core.v1.ContainerImage":                          {"names": false},
	"io.k8s.api.core.v1.Event":                                   {"reportingComponent": false, "reportingInstance": false},
	"io.k8s.api.core.v1.GRPCAction":                              {"service": false},
	"io.k8s.api.core.v1.NodeRuntimeHandler":                      {"name": false},
	"io.k8s.api.core.v1.ProjectedVolumeSource":                   {"sources": false},
	"io.k8s.api.core.v1.TypedLocalObjectReference":               {"apiGroup": false},
	"io.k8s.api.core.v1.TypedObjectReference":                    {"apiGroup": false},
	"io.k8s.api.apps.v1.ControllerRevision":                      {"revision": false},
	"io.k8s.api.apps.v1.DaemonSetCondition":                      {"type": false, "status": false},
	"io.k8s.api.apps.v1.DeploymentCondition":                     {"type": false, "status": false},
	"io.k8s.api.apps.v1.ReplicaSetCondition":                     {"type": false, "status": false},
	"io.k8s.api.apps.v1.StatefulSetCondition":                    {"type": false, "status": false},
	"io.k8s.api.apps.v1.StatefulSetOrdinals":                     {"start": false},
	"io.k8s.api.apps.v1.StatefulSetSpec":                         {"serviceName": false},
	"io.k8s.api.apps.v1.StatefulSetStatus":                       {"availableReplicas": false},
	"io.k8s.api.batch.v1.PodFailurePolicyOnPodConditionsPattern": {"status": false},
	"io.k8s.api.discovery.v1.EndpointSlice":                      {"endpoints": false, "ports": false},
	"io.k8s.api.policy.v1.PodDisruptionBudgetStatus":             {"disruptionsAllowed": false, "currentHealthy": false, "desiredHealthy": false, "expectedPods": false},
	// +required with omitempty.
	"io.k8s.api.apps.v1.DaemonSet":                       {"spec": true},
	"io.k8s.api.apps.v1.Deployment":                      {"spec": true},
	"io.k8s.api.apps.v1.ReplicaSet":                      {"spec": true},
	"io.k8s.api.apps.v1.StatefulSet":                     {"spec": true},
	"io.k8s.api.core.v1.ContainerRestartRule":            {"action": true},
	"io.k8s.api.core.v1.ContainerRestartRuleOnExitCodes": {"operator": true},
	"io.k8s.api.core.v1.ImageVolumeStatus":               {"imageRef": true},
	"io.k8s.api.core.v1.PodCertificateProjection":        {"signerName": true, "keyType": true},
}

// schemaBuilder collects Swagger 2.0 definitions for Go types. It follows
// openapi-gen's rules as far as struct tags carry them; rules that live only
// in comments upstream (+listType, +enum, +optional overrides) are skipped.
type schemaBuilder struct {
	defs  spec.Definitions
	names map[reflect.Type]string
	types map[string]reflect.Type // names reversed, to catch two types with one name
	// oneOf holds the v3 alternatives of definitions whose type implements
	// OpenAPIV3OneOfTypes; the v3 documents replace "type" with them.
	oneOf map[string][]string
}

func newSchemaBuilder() *schemaBuilder {
	return &schemaBuilder{
		defs:  spec.Definitions{},
		names: map[reflect.Type]string{},
		types: map[string]reflect.Type{},
		oneOf: map[string][]string{},
	}
}

// define makes sure t (a named struct type) has a definition and returns
// its name.
func (b *schemaBuilder) define(t reflect.Type) (string, error) {
	if name, ok := b.names[t]; ok {
		return name, nil
	}
	name := modelName(t)
	if other, ok := b.types[name]; ok {
		return "", fmt.Errorf("types %v and %v both map to definition %s", other, t, name)
	}
	// Registered before the fields so recursive types terminate.
	b.names[t], b.types[name] = name, t

	zero := reflect.New(t).Interface()
	s := spec.Schema{}
	if typer, ok := zero.(schemaTyper); ok {
		s.Type = typer.OpenAPISchemaType()
		s.Format = typer.OpenAPISchemaFormat()
		if o, ok := zero.(oneOfTyper); ok {
			b.oneOf[name] = o.OpenAPIV3OneOfTypes()
		}
	} else {
		s.Type = spec.StringOrArray{"object"}
		if err := b.addFields(&s, t); err != nil {
			return "", fmt.Errorf("%v: %w", t, err)
		}
	}
	s.Description = docsOf(t)[""]
	if s.Description == "" {
		s.Description = typeDocs[name]
	}
	b.defs[name] = s
	return name, nil
}

// addFields adds t's JSON fields to s, inlining embedded structs the way
// encoding/json does.
func (b *schemaBuilder) addFields(s *spec.Schema, t reflect.Type) error {
	docs := docsOf(t)
	byComment := requiredByComment[modelName(t)]
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			if err := b.addFields(s, deref(f.Type)); err != nil {
				return err
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		optional := hasOpt(opts, "omitempty") || hasOpt(opts, "omitzero")
		prop, err := b.property(f.Type, optional)
		if err != nil {
			return fmt.Errorf("field %s: %w", f.Name, err)
		}
		if hasOpt(opts, "string") {
			prop = spec.Schema{SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{"string"}}}
		}
		prop.Description = docs[name]
		if v := f.Tag.Get("patchStrategy"); v != "" {
			prop.AddExtension("x-kubernetes-patch-strategy", v)
		}
		if v := f.Tag.Get("patchMergeKey"); v != "" {
			prop.AddExtension("x-kubernetes-patch-merge-key", v)
		}
		if s.Properties == nil {
			s.Properties = map[string]spec.Schema{}
		}
		s.Properties[name] = prop
		// openapi-gen's rule without +optional/+required comments: a field
		// is required unless its json tag says omitempty.
		required, ok := byComment[name]
		if !ok {
			required = !optional
		}
		if required {
			s.Required = append(s.Required, name)
		}
	}
	return nil
}

// property is the schema of a value of type t: a $ref for named structs,
// an inline schema otherwise. optional is the field's omitempty; it decides
// the zero-value default, as openapi-gen does.
func (b *schemaBuilder) property(t reflect.Type, optional bool) (spec.Schema, error) {
	pointer := t.Kind() == reflect.Pointer
	t = deref(t)
	if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
		return simple("string", "byte", nil, optional), nil // base64
	}
	switch t.Kind() {
	case reflect.Struct:
		name, err := b.define(t)
		if err != nil {
			return spec.Schema{}, err
		}
		s := spec.Schema{SchemaProps: spec.SchemaProps{Ref: spec.MustCreateRef(v2DefPrefix + name)}}
		// Struct values always decode to something, so openapi-gen
		// publishes {} as their default unless they decode themselves.
		if !pointer && !reflect.PointerTo(t).Implements(reflect.TypeFor[jsonUnmarshaler]()) {
			s.Default = map[string]any{}
		}
		return s, nil
	case reflect.Slice, reflect.Array:
		item, err := b.property(t.Elem(), false)
		if err != nil {
			return spec.Schema{}, err
		}
		return spec.Schema{SchemaProps: spec.SchemaProps{
			Type:  spec.StringOrArray{"array"},
			Items: &spec.SchemaOrArray{Schema: &item},
		}}, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return spec.Schema{}, fmt.Errorf("map key %v is not a string", t.Key())
		}
		value, err := b.property(t.Elem(), false)
		if err != nil {
			return spec.Schema{}, err
		}
		return spec.Schema{SchemaProps: spec.SchemaProps{
			Type:                 spec.StringOrArray{"object"},
			AdditionalProperties: &spec.SchemaOrBool{Allows: true, Schema: &value},
		}}, nil
	case reflect.Interface:
		return simple("object", "", nil, true), nil
	}
	typ, format := common.OpenAPITypeFormat(t.Kind().String())
	if typ == "" {
		return spec.Schema{}, fmt.Errorf("no OpenAPI type for %v", t)
	}
	zero, _ := common.OpenAPIZeroValue(t.Kind().String())
	return simple(typ, format, zero, optional || pointer), nil
}

// simple is a primitive schema; required primitives carry their zero value
// as default, like openapi-gen output.
func simple(typ, format string, zero any, optional bool) spec.Schema {
	s := spec.Schema{SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{typ}, Format: format}}
	if !optional && zero != nil {
		s.Default = zero
	}
	return s
}

// defineObject defines the type of obj (a pointer such as &corev1.Pod{})
// and returns the definition's name.
func (b *schemaBuilder) defineObject(obj any) (string, error) {
	return b.define(deref(reflect.TypeOf(obj)))
}

// addGVK tags a definition with the kinds it serves, which is how kubectl
// explain and client-side apply find the schema of a kind.
func (b *schemaBuilder) addGVK(name string, gvks ...map[string]any) {
	def := b.defs[name]
	list, _ := def.Extensions["x-kubernetes-group-version-kind"].([]any)
	for _, gvk := range gvks {
		if !containsGVK(list, gvk) {
			list = append(list, gvk)
		}
	}
	def.AddExtension("x-kubernetes-group-version-kind", list)
	b.defs[name] = def
}

func containsGVK(list []any, gvk map[string]any) bool {
	for _, v := range list {
		if reflect.DeepEqual(v, gvk) {
			return true
		}
	}
	return false
}

func gvkExtension(group, version, kind string) map[string]any {
	return map[string]any{"group": group, "version": version, "kind": kind}
}

// modelName is the definition name: OpenAPIModelName() when the type has
// one (all k8s.io/api types do), else the Go package path turned around the
// way openapi-gen does it ("k8s.io/api/core/v1".Pod → io.k8s.api.core.v1.Pod).
func modelName(t reflect.Type) string {
	if n, ok := reflect.New(t).Interface().(modelNamer); ok {
		return n.OpenAPIModelName()
	}
	host, rest, _ := strings.Cut(t.PkgPath(), "/")
	parts := strings.Split(host, ".")
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	name := strings.Join(parts, ".")
	if rest != "" {
		name += "." + strings.ReplaceAll(rest, "/", ".")
	}
	return name + "." + t.Name()
}

func docsOf(t reflect.Type) map[string]string {
	if d, ok := reflect.New(t).Interface().(swaggerDocer); ok {
		return d.SwaggerDoc()
	}
	return nil
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func hasOpt(opts, want string) bool {
	for opt := range strings.SplitSeq(opts, ",") {
		if opt == want {
			return true
		}
	}
	return false
}
