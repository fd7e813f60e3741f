package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// table is kubectl's tabular output: its column names and one map per
// row, keyed by column name.
type table struct {
	columns []string
	rows    []map[string]string
}

// headerColumn matches a column name, which may hold single spaces
// ("NOMINATED NODE"); columns are at least two spaces apart.
var headerColumn = regexp.MustCompile(`\S+( \S+)*`)

// parseTable reads a table printed by kubectl. A cell starts where its
// column name starts: kubectl's tabwriter pads every cell of a column to
// the same width. The last column takes the rest of the line.
func parseTable(t *testing.T, out string) table {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatalf("no table in kubectl output %q", out)
	}
	spans := headerColumn.FindAllStringIndex(lines[0], -1)
	var tb table
	for _, s := range spans {
		tb.columns = append(tb.columns, lines[0][s[0]:s[1]])
	}
	for _, line := range lines[1:] {
		row := map[string]string{}
		for i, s := range spans {
			end := len(line)
			if i+1 < len(spans) {
				end = min(spans[i+1][0], len(line))
			}
			if s[0] < end {
				row[tb.columns[i]] = strings.TrimSpace(line[s[0]:end])
			}
		}
		tb.rows = append(tb.rows, row)
	}
	return tb
}

// row returns the row whose NAME column is name (or whose first column
// is, for tables without NAME), failing t if there is none.
func (tb table) row(t *testing.T, name string) map[string]string {
	t.Helper()
	key := "NAME"
	if !slices.Contains(tb.columns, key) {
		key = tb.columns[0]
	}
	for _, r := range tb.rows {
		if r[key] == name {
			return r
		}
	}
	t.Fatalf("no row %s=%s in table %v %v", key, name, tb.columns, tb.rows)
	return nil
}

// wantColumns fails t unless the table has exactly these columns, in order.
func (tb table) wantColumns(t *testing.T, want ...string) {
	t.Helper()
	if !slices.Equal(tb.columns, want) {
		t.Fatalf("columns %q, want %q", tb.columns, want)
	}
}

// rowWhere returns the first row whose column col is value, failing t if
// there is none.
func (tb table) rowWhere(t *testing.T, col, value string) map[string]string {
	t.Helper()
	for _, r := range tb.rows {
		if r[col] == value {
			return r
		}
	}
	t.Fatalf("no row %s=%s in table %v %v", col, value, tb.columns, tb.rows)
	return nil
}

// wantLine fails t unless a line of out matches the regular expression re.
func wantLine(t *testing.T, out, re string) {
	t.Helper()
	if !regexp.MustCompile("(?m)" + re).MatchString(out) {
		t.Fatalf("no line matches %q in:\n%s", re, out)
	}
}

// rewrite copies the manifest at path into a temporary file with old
// replaced by new, and returns the copy's path.
func rewrite(t *testing.T, path, old, new string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%s has no %q to replace", path, old)
	}
	out := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(out, bytes.ReplaceAll(data, []byte(old), []byte(new)), 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

// writeTemp writes content to a temporary file named name and returns
// its path.
func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// pod reads a pod of the default namespace back through client-go.
func (e *env) pod(t *testing.T, name string) *corev1.Pod {
	t.Helper()
	p, err := e.client.CoreV1().Pods("default").Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get pod %s: %v", name, err)
	}
	return p
}

// node reads a node back through client-go.
func (e *env) node(t *testing.T, name string) *corev1.Node {
	t.Helper()
	n, err := e.client.CoreV1().Nodes().Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get node %s: %v", name, err)
	}
	return n
}

// wantPodGone fails t unless the pod no longer exists.
func (e *env) wantPodGone(t *testing.T, name string) {
	t.Helper()
	p, err := e.client.CoreV1().Pods("default").Get(t.Context(), name, metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Fatalf("pod %s: got %v, %v; want NotFound", name, p, err)
	}
}

// wantCells fails t unless row has every cell of want.
func wantCells(t *testing.T, row, want map[string]string) {
	t.Helper()
	for col, v := range want {
		if row[col] != v {
			t.Errorf("%s is %q, want %q (row %v)", col, row[col], v, row)
		}
	}
}
