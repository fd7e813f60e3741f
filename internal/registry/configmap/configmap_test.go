package configmap

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		data   map[string]string
		binary map[string][]byte
		want   string
	}{
		{name: "empty"},
		{name: "good keys", data: map[string]string{"app.properties": "x", "KEY_NAME": "y", "key-name": "z"}, binary: map[string][]byte{"blob": {1}}},
		{
			name: "bad key",
			data: map[string]string{"a/b": "x"},
			want: `data[a/b]: Invalid value: "a/b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
		},
		{
			name:   "key in both",
			data:   map[string]string{"k": "x"},
			binary: map[string][]byte{"k": {1}},
			want:   `data[k]: Invalid value: "k": duplicate of key present in binaryData`,
		},
		{name: "exactly 1 MiB", data: map[string]string{"a": strings.Repeat("x", maxSize-1)}, binary: map[string][]byte{"b": {1}}},
		{
			name:   "over 1 MiB",
			data:   map[string]string{"a": strings.Repeat("x", maxSize)},
			binary: map[string][]byte{"b": {1}},
			want:   "[]: Too long: may not be more than 1048576 bytes",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "default"}, Data: tt.data, BinaryData: tt.binary}
			checkErrors(t, Resource().Strategy.Validate(t.Context(), cm), tt.want)
		})
	}
}

func TestValidateUpdateImmutable(t *testing.T) {
	t.Parallel()
	frozen := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "default"},
		Data:       map[string]string{"k": "v"},
		Immutable:  ptr.To(true),
	}
	tests := []struct {
		name string
		old  *corev1.ConfigMap
		edit func(*corev1.ConfigMap)
		want string
	}{
		{name: "labels may change", old: frozen, edit: func(cm *corev1.ConfigMap) { cm.Labels = map[string]string{"a": "b"} }},
		{name: "data change", old: frozen, edit: func(cm *corev1.ConfigMap) { cm.Data["k"] = "w" }, want: "data: Forbidden: field is immutable when `immutable` is set"},
		{name: "binary data added", old: frozen, edit: func(cm *corev1.ConfigMap) { cm.BinaryData = map[string][]byte{"b": {1}} }, want: "binaryData: Forbidden: field is immutable when `immutable` is set"},
		{name: "unfreeze", old: frozen, edit: func(cm *corev1.ConfigMap) { cm.Immutable = ptr.To(false) }, want: "immutable: Forbidden: field is immutable when `immutable` is set"},
		{name: "flag dropped", old: frozen, edit: func(cm *corev1.ConfigMap) { cm.Immutable = nil }, want: "immutable: Forbidden: field is immutable when `immutable` is set"},
		{name: "mutable data change", old: &corev1.ConfigMap{Data: map[string]string{"k": "v"}}, edit: func(cm *corev1.ConfigMap) { cm.Data["k"] = "w" }},
		{name: "freeze", old: &corev1.ConfigMap{Data: map[string]string{"k": "v"}}, edit: func(cm *corev1.ConfigMap) { cm.Immutable = ptr.To(true) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cm := tt.old.DeepCopy()
			tt.edit(cm)
			checkErrors(t, Resource().Strategy.ValidateUpdate(t.Context(), cm, tt.old), tt.want)
		})
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_000_000, 0)
	tests := []struct {
		name  string
		cm    corev1.ConfigMap
		cells []any
	}{
		{
			name:  "data and binary data",
			cm:    corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kube-root-ca.crt", CreationTimestamp: metav1.NewTime(now.Add(-48 * time.Hour))}, Data: map[string]string{"a": "", "b": ""}, BinaryData: map[string][]byte{"c": nil}},
			cells: []any{"kube-root-ca.crt", int64(3), "2d"},
		},
		{name: "empty", cm: corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "e"}}, cells: []any{"e", int64(0), "<unknown>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tbl := Resource().Table
			cells := tbl.Row(&tt.cm, now)
			if len(cells) != len(tbl.Columns) || !apiequality.Semantic.DeepEqual(cells, tt.cells) {
				t.Errorf("cells = %v, want %v", cells, tt.cells)
			}
		})
	}
}

// checkErrors compares an error list with one expected message ("" = none).
func checkErrors(t *testing.T, errs field.ErrorList, want string) {
	t.Helper()
	switch {
	case want == "" && len(errs) > 0:
		t.Errorf("unexpected errors: %v", errs)
	case want != "" && (len(errs) != 1 || errs[0].Error() != want):
		t.Errorf("errors = %v, want %q", errs, want)
	}
}
