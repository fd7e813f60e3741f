package openapi

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"sync"

	_ "embed"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"sigs.k8s.io/structured-merge-diff/v6/schema"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
)

// typeSchemaGob is client-go's structured-merge-diff schema of every
// built-in type (the schema behind applyconfigurations.NewTypeConverter),
// parsed and validated once when it was generated and stored as gob.
// TestTypeSchemaIsClientGos checks it against the client-go in go.mod;
// `go test ./internal/openapi -run TestTypeSchemaIsClientGos -update`
// regenerates it after a client-go upgrade.
//
//go:embed typeschema.gob
var typeSchemaGob []byte

// TypeConverter returns the same converter as client-go's
// applyconfigurations.NewTypeConverter(s) — the types that managedFields
// and server-side apply work with — without its start-up cost: client-go
// validates and parses a 430 kB YAML schema on first use (~100 ms, most of
// evictd's start-up), while the embedded copy decodes in a few ms.
func TypeConverter(s *runtime.Scheme) (managedfields.TypeConverter, error) {
	types, err := typeSchema()
	if err != nil {
		return nil, err
	}
	return managedfields.NewSchemeTypeConverter(s, &typed.Parser{Schema: schema.Schema{Types: types}}), nil
}

// typeSchema decodes typeSchemaGob once; callers share the result, which
// is never changed (typed.Parser only reads it, building its own indexes).
var typeSchema = sync.OnceValues(func() ([]schema.TypeDef, error) {
	return decodeTypeSchema(typeSchemaGob)
})

func init() {
	// Field defaults in the schema are YAML values: "", 0, false, {} and [].
	gob.Register(map[any]any{})
	gob.Register([]any{})
}

func decodeTypeSchema(data []byte) ([]schema.TypeDef, error) {
	var types []schema.TypeDef
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&types); err != nil {
		return nil, fmt.Errorf("decode the embedded type schema: %w", err)
	}
	return types, nil
}

func encodeTypeSchema(types []schema.TypeDef) ([]byte, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(types); err != nil {
		return nil, fmt.Errorf("encode the type schema: %w", err)
	}
	return buf.Bytes(), nil
}
