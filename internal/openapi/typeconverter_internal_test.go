package openapi

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/structured-merge-diff/v6/typed"
)

var update = flag.Bool("update", false, "regenerate typeschema.gob from the client-go in go.mod")

// clientGoSchema parses the schema client-go's applyconfigurations embed,
// read from the module's source as the go command resolves it, with the
// same validating parser client-go uses.
func clientGoSchema(t *testing.T) *typed.Parser {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/client-go").Output()
	if err != nil {
		t.Skipf("go list k8s.io/client-go: %v", err)
	}
	src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "applyconfigurations", "internal", "internal.go"))
	if err != nil {
		t.Fatal(err)
	}
	const start = "var schemaYAML = typed.YAMLObject(`"
	i := bytes.Index(src, []byte(start))
	if i < 0 {
		t.Fatal("client-go's applyconfigurations/internal has no schemaYAML")
	}
	rest := src[i+len(start):]
	j := bytes.Index(rest, []byte("`)"))
	if j < 0 {
		t.Fatal("schemaYAML does not end")
	}
	p, err := typed.NewParser(typed.YAMLObject(rest[:j]))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTypeSchemaIsClientGos: the embedded schema is exactly the one
// client-go parses, so TypeConverter and applyconfigurations'
// NewTypeConverter agree on every type.
func TestTypeSchemaIsClientGos(t *testing.T) {
	want := clientGoSchema(t)
	if *update {
		data, err := encodeTypeSchema(want.Schema.Types)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("typeschema.gob", data, 0o644); err != nil {
			t.Fatal(err)
		}
		typeSchemaGob = data
	}
	got, err := decodeTypeSchema(typeSchemaGob)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want.Schema.Types) {
		t.Fatalf("embedded schema has %d types, client-go's %d: run with -update", len(got), len(want.Schema.Types))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want.Schema.Types[i]) {
			t.Fatalf("type %s differs from client-go's: run with -update", want.Schema.Types[i].Name)
		}
	}
}
