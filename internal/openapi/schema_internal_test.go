package openapi

import (
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestSpecialTypes covers types the served kinds do not all reach.
func TestSpecialTypes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name           string
		typ            reflect.Type
		wantName       string
		wantType       string
		wantFormat     string
		wantProperties bool
	}{
		{"RawExtension", reflect.TypeFor[runtime.RawExtension](), "io.k8s.apimachinery.pkg.runtime.RawExtension", "object", "", false},
		{"Duration", reflect.TypeFor[metav1.Duration](), "io.k8s.apimachinery.pkg.apis.meta.v1.Duration", "string", "", false},
		{"Time", reflect.TypeFor[metav1.Time](), "io.k8s.apimachinery.pkg.apis.meta.v1.Time", "string", "date-time", false},
		{"MicroTime", reflect.TypeFor[metav1.MicroTime](), "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime", "string", "date-time", false},
		{"FieldsV1", reflect.TypeFor[metav1.FieldsV1](), "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1", "object", "", false},
		{"TypeMeta", reflect.TypeFor[metav1.TypeMeta](), "io.k8s.apimachinery.pkg.apis.meta.v1.TypeMeta", "object", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newSchemaBuilder()
			name, err := b.define(tc.typ)
			if err != nil {
				t.Fatal(err)
			}
			s := b.defs[name]
			if name != tc.wantName || !s.Type.Contains(tc.wantType) || s.Format != tc.wantFormat || (len(s.Properties) > 0) != tc.wantProperties {
				t.Errorf("%s = %+v", name, s.SchemaProps)
			}
			if s.Description == "" {
				t.Error("no description")
			}
		})
	}
}

// TestModelNameFallback covers types without OpenAPIModelName.
func TestModelNameFallback(t *testing.T) {
	t.Parallel()
	type local struct{}
	if got, want := modelName(reflect.TypeFor[local]()), "com.github.evictd.evictd.internal.openapi.local"; got != want {
		t.Errorf("modelName = %q, want %q", got, want)
	}
}
