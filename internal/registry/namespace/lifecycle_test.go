package namespace

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/evictd/evictd/internal/registry/store"
	"github.com/evictd/evictd/internal/storage"
	"github.com/evictd/evictd/internal/storage/memory"
)

// lifecycleFixture is a namespace store with the immortal namespaces,
// "team" (Active), "doomed" (Terminating) and "bare" (Active, no
// spec.finalizers).
type lifecycleFixture struct {
	lc      *Lifecycle
	store   *store.Store
	storage storage.Interface
	clock   *clocktesting.FakeClock
}

func newLifecycleFixture(t *testing.T) *lifecycleFixture {
	t.Helper()
	st := memory.New(memory.Options{})
	t.Cleanup(func() { _ = st.Close() })
	clk := clocktesting.NewFakeClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	nsStore, err := store.New(Resource(), st, store.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	f := &lifecycleFixture{lc: NewLifecycle(nsStore, clk), store: nsStore, storage: st, clock: clk}
	for _, name := range []string{"default", "kube-system", "kube-public", "team", "doomed", "bare"} {
		if _, err := nsStore.Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, store.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := f.lc.Delete(t.Context(), "", "doomed", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := nsStore.Mutate(t.Context(), "", "bare", func(o runtime.Object) error {
		o.(*corev1.Namespace).Spec.Finalizers = nil
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *lifecycleFixture) revision(t *testing.T) int64 {
	t.Helper()
	rev, err := f.storage.Revision(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

// TestAdmitCreate: NamespaceLifecycle admission refuses creates in a
// missing (404) or terminating (403 with the NamespaceTerminating cause)
// namespace, except events, and admits everything else.
func TestAdmitCreate(t *testing.T) {
	t.Parallel()
	f := newLifecycleFixture(t)
	configmaps := schema.GroupResource{Resource: "configmaps"}
	for _, tc := range []struct {
		name      string
		gr        schema.GroupResource
		namespace string
		check     func(error) bool
	}{
		{name: "active namespace", gr: configmaps, namespace: "team", check: func(err error) bool { return err == nil }},
		{name: "cluster-scoped", gr: schema.GroupResource{Resource: "nodes"}, check: func(err error) bool { return err == nil }},
		{name: "missing namespace", gr: configmaps, namespace: "missing", check: apierrors.IsNotFound},
		{name: "terminating namespace", gr: configmaps, namespace: "doomed", check: func(err error) bool {
			return apierrors.IsForbidden(err) && apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) &&
				err.Error() == `configmaps "x" is forbidden: unable to create new content in namespace doomed because it is being terminated`
		}},
		{name: "core event in terminating namespace", gr: eventsResource, namespace: "doomed", check: func(err error) bool { return err == nil }},
		{name: "events.k8s.io event in terminating namespace", gr: eventsV1Resource, namespace: "doomed", check: func(err error) bool { return err == nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := f.lc.AdmitCreate(t.Context(), tc.gr, tc.namespace, "x"); !tc.check(err) {
				t.Errorf("AdmitCreate: unexpected answer %v", err)
			}
		})
	}
}

// TestImmortalNamespaces: default, kube-system and kube-public cannot be
// deleted, not even in a dry run, with NamespaceLifecycle admission's 403,
// and nothing is written.
func TestImmortalNamespaces(t *testing.T) {
	t.Parallel()
	f := newLifecycleFixture(t)
	before := f.revision(t)
	for _, name := range []string{"default", "kube-system", "kube-public"} {
		for _, dryRun := range [][]string{nil, {metav1.DryRunAll}} {
			_, _, err := f.lc.Delete(t.Context(), "", name, &metav1.DeleteOptions{DryRun: dryRun})
			want := `namespaces "` + name + `" is forbidden: this namespace may not be deleted`
			if !apierrors.IsForbidden(err) || err.Error() != want {
				t.Errorf("delete %s (dryRun %v): %v, want 403 %q", name, dryRun, err, want)
			}
		}
	}
	if after := f.revision(t); after != before {
		t.Errorf("refused deletes wrote (revision %d → %d)", before, after)
	}
}

// TestLifecycleDelete: the first delete marks a namespace Terminating and
// keeps it while spec.finalizers is not empty; a second is upstream's 409;
// preconditions are checked first; a namespace without spec.finalizers
// goes at once; a dry run writes nothing.
func TestLifecycleDelete(t *testing.T) {
	t.Parallel()
	wrongUID, wrongRV := types.UID("other"), "1"
	for _, tc := range []struct {
		name        string
		ns          string
		opts        *metav1.DeleteOptions
		wantRemoved bool
		wantPhase   corev1.NamespacePhase
		check       func(error) bool
		writes      bool
	}{
		{name: "marks terminating", ns: "team", wantPhase: corev1.NamespaceTerminating, writes: true},
		{name: "dry run marks nothing", ns: "team", opts: &metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}}, wantPhase: corev1.NamespaceActive},
		{name: "already terminating", ns: "doomed", check: func(err error) bool {
			return apierrors.IsConflict(err) && apierrors.ReasonForError(err) == metav1.StatusReasonConflict
		}},
		{name: "uid precondition", ns: "team", opts: &metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &wrongUID}}, check: apierrors.IsConflict},
		{name: "resourceVersion precondition", ns: "team", opts: &metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: &wrongRV}}, check: apierrors.IsConflict},
		{name: "no finalizers goes at once", ns: "bare", wantRemoved: true, writes: true},
		{name: "missing", ns: "missing", check: apierrors.IsNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newLifecycleFixture(t)
			before := f.revision(t)
			obj, removed, err := f.lc.Delete(t.Context(), "", tc.ns, tc.opts)
			if tc.check != nil {
				if !tc.check(err) {
					t.Fatalf("Delete: unexpected error %v", err)
				}
			} else if err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if removed != tc.wantRemoved {
				t.Errorf("removed %v, want %v", removed, tc.wantRemoved)
			}
			if wrote := f.revision(t) != before; wrote != tc.writes {
				t.Errorf("wrote %v, want %v", wrote, tc.writes)
			}
			if tc.wantPhase == "" {
				return
			}
			ns := obj.(*corev1.Namespace)
			if ns.Status.Phase != tc.wantPhase || (tc.wantPhase == corev1.NamespaceTerminating) != (ns.DeletionTimestamp != nil) {
				t.Errorf("answered phase %s, deletionTimestamp %v; want phase %s", ns.Status.Phase, ns.DeletionTimestamp, tc.wantPhase)
			}
			if ts := ns.DeletionTimestamp; ts != nil && !ts.Time.Equal(f.clock.Now()) {
				t.Errorf("deletionTimestamp %v, want the clock's %v", ts, f.clock.Now())
			}
		})
	}
}
