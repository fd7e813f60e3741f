package serviceaccount

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSecretReferencesTrimmed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		secrets []corev1.ObjectReference
		want    []corev1.ObjectReference
	}{
		{name: "none"},
		{
			name:    "full reference",
			secrets: []corev1.ObjectReference{{Kind: "Secret", Namespace: "x", Name: "tok", UID: "u"}},
			want:    []corev1.ObjectReference{{Name: "tok"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Resource().Strategy
			sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}, Secrets: tt.secrets}
			created := sa.DeepCopy()
			s.PrepareForCreate(t.Context(), created)
			updated := sa.DeepCopy()
			s.PrepareForUpdate(t.Context(), updated, sa)
			for _, got := range []*corev1.ServiceAccount{created, updated} {
				if !apiequality.Semantic.DeepEqual(got.Secrets, tt.want) {
					t.Errorf("secrets = %+v, want %+v", got.Secrets, tt.want)
				}
			}
		})
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_000_000, 0)
	tests := []struct {
		name  string
		sa    corev1.ServiceAccount
		cells []any
	}{
		{name: "default", sa: corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", CreationTimestamp: metav1.NewTime(now.Add(-10 * time.Second))}}, cells: []any{"default", int64(0), "10s"}},
		{name: "with secrets", sa: corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "ci"}, Secrets: []corev1.ObjectReference{{Name: "a"}, {Name: "b"}}}, cells: []any{"ci", int64(2), "<unknown>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tbl := Resource().Table
			cells := tbl.Row(&tt.sa, now)
			if len(cells) != len(tbl.Columns) || !apiequality.Semantic.DeepEqual(cells, tt.cells) {
				t.Errorf("cells = %v, want %v", cells, tt.cells)
			}
		})
	}
}
