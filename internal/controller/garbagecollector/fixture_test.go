package garbagecollector

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	metadatafake "k8s.io/client-go/metadata/fake"
	"k8s.io/client-go/metadata/metadatainformer"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	clocktesting "k8s.io/utils/clock/testing"
)

var (
	t0         = time.Date(2026, time.March, 4, 10, 0, 0, 0, time.UTC)
	configMaps = corev1.SchemeGroupVersion.WithResource("configmaps")
	cmKind     = corev1.SchemeGroupVersion.WithKind("ConfigMap")
)

const ns = "ns"

// staticMapper knows ConfigMaps only; Reset is a no-op.
type staticMapper struct{ meta.RESTMapper }

func (staticMapper) Reset() {}

func newMapper() staticMapper {
	m := meta.NewDefaultRESTMapper(nil)
	m.Add(cmKind, meta.RESTScopeNamespace)
	return staticMapper{m}
}

func noDelay() workqueue.TypedRateLimiter[*node] {
	return workqueue.NewTypedItemExponentialFailureRateLimiter[*node](0, 0)
}

// fixture is a GarbageCollector over a fake metadata client whose graph
// is fed by hand (no informer runs) and whose queues are read directly, so
// each test steps the collector one decision at a time.
type fixture struct {
	t    *testing.T
	meta *metadatafake.FakeMetadataClient
	gc   *GarbageCollector
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	client := metadatafake.NewSimpleMetadataClient(metadatafake.NewTestScheme())
	gc, err := New(client, metadatainformer.NewSharedInformerFactory(client, 0), newMapper(),
		fake.NewSimpleClientset().Discovery(), record.NewFakeRecorder(10), clocktesting.NewFakeClock(t0),
		Options{NewRateLimiter: noDelay, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gc.shutDownQueues)
	return &fixture{t: t, meta: client, gc: gc}
}

type option func(*metav1.PartialObjectMetadata)

func ownedBy(owner *metav1.PartialObjectMetadata, block bool) option {
	return func(m *metav1.PartialObjectMetadata) {
		m.OwnerReferences = append(m.OwnerReferences, metav1.OwnerReference{
			APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID, BlockOwnerDeletion: new(block),
		})
	}
}

func deleting(finalizers ...string) option {
	return func(m *metav1.PartialObjectMetadata) {
		ts := metav1.NewTime(t0)
		m.DeletionTimestamp, m.Finalizers = &ts, finalizers
	}
}

func configMap(name string, opts ...option) *metav1.PartialObjectMetadata {
	m := &metav1.PartialObjectMetadata{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(name + "-uid"), ResourceVersion: "1"},
	}
	for _, o := range opts {
		o(m)
	}
	return m
}

// store puts objects in the fake API server.
func (f *fixture) store(objs ...*metav1.PartialObjectMetadata) {
	f.t.Helper()
	for _, o := range objs {
		if _, err := f.meta.Resource(configMaps).Namespace(ns).(metadatafake.MetadataClient).CreateFake(o.DeepCopy(), metav1.CreateOptions{}); err != nil {
			f.t.Fatal(err)
		}
	}
}

// observe feeds informer events to the graph builder and applies them.
func (f *fixture) observe(typ eventType, objs ...*metav1.PartialObjectMetadata) {
	for _, o := range objs {
		f.gc.graphChanges.Add(&event{typ: typ, obj: o, gvk: cmKind})
		f.gc.processGraphChanges()
	}
}

// update feeds an update event from old to cur.
func (f *fixture) update(old, cur *metav1.PartialObjectMetadata) {
	f.gc.graphChanges.Add(&event{typ: updateEvent, obj: cur, old: old, gvk: cmKind})
	f.gc.processGraphChanges()
}

// drain empties a queue and returns the names of the nodes it held.
func drain(q workqueue.TypedRateLimitingInterface[*node]) []string {
	var names []string
	for q.Len() > 0 {
		n, _ := q.Get()
		q.Done(n)
		q.Forget(n)
		names = append(names, n.identity().Name)
	}
	slices.Sort(names)
	return names
}

// writes lists the fake server's mutating actions as "verb name".
func (f *fixture) writes() []string {
	var out []string
	for _, a := range f.meta.Actions() {
		switch a := a.(type) {
		case k8stesting.DeleteAction:
			out = append(out, "delete "+a.GetName())
		case k8stesting.PatchAction:
			out = append(out, "patch "+a.GetName()+" "+string(a.GetPatch()))
		}
	}
	f.meta.ClearActions()
	return out
}

func (f *fixture) node(name string) *node {
	f.t.Helper()
	n, ok := f.gc.graph.read(types.UID(name + "-uid"))
	if !ok {
		f.t.Fatalf("%s not in the graph", name)
	}
	return n
}

func (f *fixture) attemptToDelete(name string) error {
	return f.gc.attemptToDeleteItem(context.Background(), f.node(name))
}
