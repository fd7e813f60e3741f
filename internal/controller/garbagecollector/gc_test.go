package garbagecollector

import (
	"context"
	"errors"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestGraphFollowsEvents: a dependent seen before its owner creates a
// virtual owner (to be verified); the owner's own event makes it real;
// the owner's deletion queues the dependent.
func TestGraphFollowsEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	owner := configMap("owner")
	dep := configMap("dep", ownedBy(owner, false))

	f.observe(addEvent, dep)
	if n := f.node("owner"); n.isObserved() || n.dependentsLength() != 1 {
		t.Fatalf("owner before its event: observed %v, dependents %d; want virtual with 1", n.isObserved(), n.dependentsLength())
	}
	if got := drain(f.gc.attemptToDelete); !slices.Equal(got, []string{"owner"}) {
		t.Errorf("queued %v, want the virtual owner", got)
	}
	f.observe(addEvent, owner)
	if !f.node("owner").isObserved() {
		t.Error("owner still virtual after its add event")
	}
	f.observe(deleteEvent, owner)
	if _, ok := f.gc.graph.read(owner.UID); ok {
		t.Error("deleted owner still in the graph")
	}
	if got := drain(f.gc.attemptToDelete); !slices.Equal(got, []string{"dep"}) {
		t.Errorf("queued %v after the owner's deletion, want [dep]", got)
	}
	if !f.gc.absent.has(identity{APIVersion: "v1", Kind: "ConfigMap", Namespace: ns, Name: "owner", UID: owner.UID}) {
		t.Error("deleted owner not remembered as absent")
	}
}

func TestAttemptToDeleteItem(t *testing.T) {
	t.Parallel()
	owner := configMap("owner")
	tests := []struct {
		name   string
		server []*metav1.PartialObjectMetadata // live objects besides the dependent
		dep    *metav1.PartialObjectMetadata
		want   []string
	}{
		{
			name:   "owner exists",
			server: []*metav1.PartialObjectMetadata{owner},
			dep:    configMap("dep", ownedBy(owner, false)),
		},
		{
			name: "owner gone",
			dep:  configMap("dep", ownedBy(owner, false)),
			want: []string{"delete dep"},
		},
		{
			name:   "a new object under the owner's name is not the owner",
			server: []*metav1.PartialObjectMetadata{configMap("owner", func(m *metav1.PartialObjectMetadata) { m.UID = "other" })},
			dep:    configMap("dep", ownedBy(owner, false)),
			want:   []string{"delete dep"},
		},
		{
			name:   "one owner of two gone: its reference is dropped",
			server: []*metav1.PartialObjectMetadata{configMap("other")},
			dep:    configMap("dep", ownedBy(owner, false), ownedBy(configMap("other"), false)),
			want:   []string{`patch dep {"metadata":{"resourceVersion":"1","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"other","uid":"other-uid","blockOwnerDeletion":false}]}}`},
		},
		{
			name: "a reference to an unknown kind is no reason to delete",
			dep: configMap("dep", func(m *metav1.PartialObjectMetadata) {
				m.OwnerReferences = []metav1.OwnerReference{{APIVersion: "example.com/v1", Kind: "Widget", Name: "w", UID: "w-uid"}}
			}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.store(append(tt.server, tt.dep)...)
			f.observe(addEvent, tt.dep)
			err := f.attemptToDelete("dep")
			var mapping *restMappingError
			if err != nil && !errors.As(err, &mapping) {
				t.Fatal(err)
			}
			if got := f.writes(); !slices.Equal(got, tt.want) {
				t.Errorf("writes = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDeleteUsesPreconditionsAndBackground: the collector's DELETE names
// the UID and version it decided on, and propagates in background.
func TestDeleteUsesPreconditionsAndBackground(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dep := configMap("dep", ownedBy(configMap("owner"), false))
	f.store(dep)
	f.observe(addEvent, dep)
	if err := f.attemptToDelete("dep"); err != nil {
		t.Fatal(err)
	}
	for _, a := range f.meta.Actions() {
		if d, ok := a.(interface{ GetDeleteOptions() metav1.DeleteOptions }); ok {
			o := d.GetDeleteOptions()
			if o.Preconditions == nil || *o.Preconditions.UID != dep.UID || *o.Preconditions.ResourceVersion != "1" ||
				*o.PropagationPolicy != metav1.DeletePropagationBackground {
				t.Errorf("delete options %+v", o)
			}
			return
		}
	}
	t.Fatal("no delete")
}

// TestForegroundWaitsForBlockingDependents: the owner's finalizer stays
// while a dependent with blockOwnerDeletion exists, and goes once it is
// deleted; a non-blocking dependent does not hold it.
func TestForegroundWaitsForBlockingDependents(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	owner := configMap("owner")
	blocking, free := configMap("blocking", ownedBy(owner, true)), configMap("free", ownedBy(owner, false))
	terminating := configMap("owner", deleting(metav1.FinalizerDeleteDependents))
	f.store(terminating, blocking, free)
	f.observe(addEvent, owner, blocking, free)
	drain(f.gc.attemptToDelete)

	f.update(owner, terminating)
	if !f.node("owner").isDeletingDependents() {
		t.Fatal("owner not marked deleting dependents")
	}
	if got := drain(f.gc.attemptToDelete); !slices.Equal(got, []string{"blocking", "free", "owner"}) {
		t.Errorf("queued %v, want both dependents and the owner", got)
	}
	for _, name := range []string{"free", "blocking"} {
		if err := f.attemptToDelete(name); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.attemptToDelete("owner"); err != nil {
		t.Fatal(err)
	}
	if got := f.writes(); !slices.Equal(got, []string{"delete free", "delete blocking"}) {
		t.Errorf("writes while the blocking dependent exists = %q, want both dependents deleted and the owner kept", got)
	}
	if got := drain(f.gc.attemptToDelete); !slices.Equal(got, []string{"blocking"}) {
		t.Errorf("owner requeued %v, want its blocking dependent", got)
	}

	f.observe(deleteEvent, blocking)
	if got := drain(f.gc.attemptToDelete); !slices.Equal(got, []string{"owner"}) {
		t.Errorf("queued %v after the blocking dependent went, want the owner", got)
	}
	if err := f.attemptToDelete("owner"); err != nil {
		t.Fatal(err)
	}
	want := `patch owner {"metadata":{"resourceVersion":"1","finalizers":[]}}`
	if got := f.writes(); !slices.Equal(got, []string{want}) {
		t.Errorf("writes = %q, want the finalizer removed: %q", got, want)
	}
}

// TestOrphanDropsTheOwnerFromDependents: each dependent loses its
// reference to the owner (and only that one), then the owner loses the
// orphan finalizer.
func TestOrphanDropsTheOwnerFromDependents(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	owner, other := configMap("owner"), configMap("other")
	dep := configMap("dep", ownedBy(owner, true), ownedBy(other, false))
	terminating := configMap("owner", deleting(metav1.FinalizerOrphanDependents, "example.com/keep"))
	f.store(terminating, other, dep)
	f.observe(addEvent, owner, other, dep)
	drain(f.gc.attemptToDelete)

	f.update(owner, terminating)
	if got := drain(f.gc.attemptToOrphan); !slices.Equal(got, []string{"owner"}) {
		t.Fatalf("attemptToOrphan = %v, want [owner]", got)
	}
	if err := f.gc.orphan(context.Background(), f.node("owner")); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`patch dep {"metadata":{"resourceVersion":"1","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"other","uid":"other-uid","blockOwnerDeletion":false}]}}`,
		`patch owner {"metadata":{"resourceVersion":"1","finalizers":["example.com/keep"]}}`,
	}
	if got := f.writes(); !slices.Equal(got, want) {
		t.Errorf("writes = %q\nwant %q", got, want)
	}
}
