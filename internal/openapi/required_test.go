package openapi_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"k8s.io/kube-openapi/pkg/validation/spec"
)

// TestRequiredMatchesComments checks every published "required" list
// against the rule openapi-gen applies to the k8s.io/api sources: a field
// is required if its comment says +required, optional if it says
// +optional, else required unless its json tag has omitempty. Reflection
// sees only the tags, so the package keeps a table of the comment
// exceptions; this test fails, naming the entries, when an upgrade of
// k8s.io/api changes them.
func TestRequiredMatchesComments(t *testing.T) {
	t.Parallel()
	sw := &spec.Swagger{}
	if err := json.Unmarshal(get(t, newDocuments(t), "/openapi/v2", "", http.StatusOK).Body.Bytes(), sw); err != nil {
		t.Fatal(err)
	}
	upstream := requiredFromSources(t)
	for name, def := range sw.Definitions {
		want, ok := upstream[name]
		if !ok || len(def.Properties) == 0 {
			continue // not a struct parsed below, or published as a plain type
		}
		for field := range def.Properties {
			published := slices.Contains(def.Required, field)
			if sources, ok := want[field]; ok && sources != published {
				t.Errorf("%s.%s: published required=%v, sources say %v", name, field, published, sources)
			}
		}
	}
}

// requiredFromSources maps definition name → JSON field → required, read
// from the Go sources of the packages the served kinds use.
func requiredFromSources(t *testing.T) map[string]map[string]bool {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/api", "k8s.io/apimachinery").Output()
	if err != nil {
		t.Skipf("cannot locate module sources: %v", err)
	}
	dirs := strings.Fields(string(out))
	pkgs := map[string]string{} // definition prefix → directory
	for _, group := range []string{"core", "apps", "batch", "policy", "coordination", "discovery", "events", "autoscaling"} {
		pkgs["io.k8s.api."+group+".v1."] = filepath.Join(dirs[0], group, "v1")
	}
	pkgs["io.k8s.apimachinery.pkg.apis.meta.v1."] = filepath.Join(dirs[1], "pkg", "apis", "meta", "v1")

	result := map[string]map[string]bool{}
	for prefix, dir := range pkgs {
		fset := token.NewFileSet()
		files, err := filepath.Glob(filepath.Join(dir, "types.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no types.go in %s", dir)
		}
		f, err := parser.ParseFile(fset, files[0], nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return false
			}
			fields := map[string]bool{}
			for _, field := range st.Fields.List {
				if field.Tag == nil || len(field.Names) == 0 {
					continue
				}
				tag, _ := strconv.Unquote(field.Tag.Value)
				name, opts, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
				if name == "" || name == "-" {
					continue
				}
				required := !slices.Contains(strings.Split(opts, ","), "omitempty")
				for _, c := range field.Doc.List {
					switch strings.TrimSpace(strings.TrimPrefix(c.Text, "//")) {
					case "+required":
						required = true
					case "+optional":
						required = false
					}
				}
				fields[name] = required
			}
			result[prefix+ts.Name.Name] = fields
			return false
		})
	}
	return result
}
