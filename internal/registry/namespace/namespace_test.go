package namespace

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestPrepareForCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		in         corev1.Namespace
		finalizers []corev1.FinalizerName
	}{
		{
			name:       "no finalizers gets kubernetes",
			in:         corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a"}},
			finalizers: []corev1.FinalizerName{"kubernetes"},
		},
		{
			name:       "other finalizers keep theirs and get kubernetes",
			in:         corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"example.com/x"}}},
			finalizers: []corev1.FinalizerName{"example.com/x", "kubernetes"},
		},
		{
			name:       "kubernetes is not repeated",
			in:         corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"kubernetes"}}},
			finalizers: []corev1.FinalizerName{"kubernetes"},
		},
		{
			name:       "client status is replaced",
			in:         corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}},
			finalizers: []corev1.FinalizerName{"kubernetes"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Resource().Strategy
			ns := tt.in.DeepCopy()
			s.Default(ns)
			s.PrepareForCreate(t.Context(), ns)
			if !apiequality.Semantic.DeepEqual(ns.Spec.Finalizers, tt.finalizers) {
				t.Errorf("finalizers = %v, want %v", ns.Spec.Finalizers, tt.finalizers)
			}
			if ns.Status.Phase != corev1.NamespaceActive {
				t.Errorf("phase = %q, want Active", ns.Status.Phase)
			}
			if got := ns.Labels[corev1.LabelMetadataName]; got != "a" {
				t.Errorf("name label = %q, want a", got)
			}
			if errs := s.Validate(t.Context(), ns); len(errs) > 0 {
				t.Errorf("Validate: %v", errs)
			}
		})
	}
}

func TestValidateFinalizers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		finalizers []corev1.FinalizerName
		want       string
	}{
		{name: "standard", finalizers: []corev1.FinalizerName{"kubernetes", "orphan", "foregroundDeletion"}},
		{name: "qualified", finalizers: []corev1.FinalizerName{"example.com/cleanup"}},
		{
			name:       "unqualified unknown",
			finalizers: []corev1.FinalizerName{"cleanup"},
			want:       `spec.finalizers: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Spec: corev1.NamespaceSpec{Finalizers: tt.finalizers}}
			checkErrors(t, Resource().Strategy.Validate(t.Context(), ns), tt.want)
		})
	}
}

func TestUpdateKeepsFinalizersAndStatus(t *testing.T) {
	t.Parallel()
	old := &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: "a"},
		Spec:       corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"kubernetes"}},
		Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
	}
	tests := []struct {
		name string
		edit func(*corev1.Namespace)
	}{
		{name: "finalizers removed", edit: func(ns *corev1.Namespace) { ns.Spec.Finalizers = nil }},
		{name: "phase changed", edit: func(ns *corev1.Namespace) { ns.Status.Phase = corev1.NamespaceTerminating }},
		{name: "name label changed", edit: func(ns *corev1.Namespace) { ns.Labels = map[string]string{corev1.LabelMetadataName: "b"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Resource().Strategy
			ns := old.DeepCopy()
			tt.edit(ns)
			s.Default(ns)
			s.PrepareForUpdate(t.Context(), ns, old)
			if !apiequality.Semantic.DeepEqual(ns.Spec, old.Spec) || !apiequality.Semantic.DeepEqual(ns.Status, old.Status) {
				t.Errorf("spec/status changed: %+v %+v", ns.Spec, ns.Status)
			}
			if got := ns.Labels[corev1.LabelMetadataName]; got != "a" {
				t.Errorf("name label = %q, want a", got)
			}
		})
	}
}

func TestStatusUpdate(t *testing.T) {
	t.Parallel()
	deleted := metav1.NewTime(time.Unix(100, 0))
	tests := []struct {
		name    string
		deleted *metav1.Time
		phase   corev1.NamespacePhase
		want    string
	}{
		{name: "active while live", phase: corev1.NamespaceActive},
		{name: "terminating while deleted", deleted: &deleted, phase: corev1.NamespaceTerminating},
		{
			name:  "terminating while live",
			phase: corev1.NamespaceTerminating,
			want:  "status.Phase: Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty",
		},
		{
			name:    "active while deleted",
			deleted: &deleted,
			phase:   corev1.NamespaceActive,
			want:    "status.Phase: Invalid value: \"Active\": may only be 'Terminating' if `deletionTimestamp` is not empty",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Resource().StatusStrategy
			old := &corev1.Namespace{
				ObjectMeta: metav1.ObjectMeta{Name: "a", DeletionTimestamp: tt.deleted},
				Spec:       corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"kubernetes"}},
			}
			ns := old.DeepCopy()
			ns.Spec.Finalizers = nil
			ns.Status.Phase = tt.phase
			s.PrepareForUpdate(t.Context(), ns, old)
			if len(ns.Spec.Finalizers) != 1 {
				t.Errorf("status update changed spec: %v", ns.Spec)
			}
			checkErrors(t, s.ValidateUpdate(t.Context(), ns, old), tt.want)
		})
	}
}

func TestFinalize(t *testing.T) {
	t.Parallel()
	old := &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: "a", Labels: map[string]string{"team": "x"}},
		Spec:       corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"kubernetes", "example.com/x"}},
		Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating},
	}
	tests := []struct {
		name       string
		finalizers []corev1.FinalizerName
		want       string
	}{
		{name: "remove kubernetes", finalizers: []corev1.FinalizerName{"example.com/x"}},
		{name: "remove all"},
		{
			name:       "bad name",
			finalizers: []corev1.FinalizerName{"example.com/x", "bad"},
			want:       `spec.finalizers[1]: Invalid value: "bad": name is neither a standard finalizer name nor is it fully qualified`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Finalize()
			ns := old.DeepCopy()
			ns.Spec.Finalizers = tt.finalizers
			ns.Labels = nil
			ns.Status.Phase = corev1.NamespaceActive
			s.PrepareForUpdate(t.Context(), ns, old)
			if !apiequality.Semantic.DeepEqual(ns.Spec.Finalizers, tt.finalizers) {
				t.Errorf("finalizers = %v, want %v", ns.Spec.Finalizers, tt.finalizers)
			}
			if ns.Status.Phase != corev1.NamespaceTerminating || ns.Labels["team"] != "x" {
				t.Errorf("finalize changed more than finalizers: %+v", ns)
			}
			checkErrors(t, s.ValidateUpdate(t.Context(), ns, old), tt.want)
		})
	}
}

func TestIsTerminating(t *testing.T) {
	t.Parallel()
	deleted := metav1.NewTime(time.Unix(100, 0))
	tests := []struct {
		name string
		ns   corev1.Namespace
		want bool
	}{
		{name: "active", ns: corev1.Namespace{Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}}},
		{name: "terminating phase", ns: corev1.Namespace{Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}}, want: true},
		{name: "deletion requested", ns: corev1.Namespace{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &deleted}}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := IsTerminating(&tt.ns); got != tt.want {
				t.Errorf("IsTerminating = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTableAndFields(t *testing.T) {
	t.Parallel()
	now := time.Unix(10_000, 0)
	tests := []struct {
		name  string
		ns    corev1.Namespace
		cells []any
	}{
		{
			name:  "active",
			ns:    corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default", CreationTimestamp: metav1.NewTime(now.Add(-90 * time.Second))}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}},
			cells: []any{"default", "Active", "90s"},
		},
		{
			name:  "no creation time",
			ns:    corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "x"}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}},
			cells: []any{"x", "Terminating", "<unknown>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := Resource()
			cells := res.Table.Row(&tt.ns, now)
			if len(cells) != len(res.Table.Columns) || !apiequality.Semantic.DeepEqual(cells, tt.cells) {
				t.Errorf("cells = %v, want %v", cells, tt.cells)
			}
			if got := res.SelectableFields(&tt.ns)["status.phase"]; got != string(tt.ns.Status.Phase) {
				t.Errorf("status.phase field = %q", got)
			}
		})
	}
}

func TestResource(t *testing.T) {
	t.Parallel()
	a, b := Resource(), Resource()
	if a == b || a.Namespaced || a.ShortNames[0] != "ns" || a.StatusStrategy == nil {
		t.Errorf("unexpected resource %+v", a)
	}
	if errs := a.ValidateName("Bad.Name", false); len(errs) == 0 {
		t.Error("namespace names must be DNS labels")
	}
	if _, ok := a.SelectableFields(a.New())["status.phase"]; !ok {
		t.Error("status.phase must be selectable on an empty object")
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
