package serviceaccount

import (
	"io"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clocktesting "k8s.io/utils/clock/testing"
)

func namespace(name string, phase corev1.NamespacePhase) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.NamespaceStatus{Phase: phase}}
}

func TestSyncEnsuresDefault(t *testing.T) {
	t.Parallel()
	existing := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: DefaultName, Namespace: "has"}}
	tests := []struct {
		name        string
		ns          string
		wantCreates int
	}{
		{name: "active namespace without default", ns: "active", wantCreates: 1},
		{name: "terminating namespace", ns: "terminating", wantCreates: 0},
		{name: "default already there", ns: "has", wantCreates: 0},
		{name: "namespace gone", ns: "gone", wantCreates: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			objs := []runtime.Object{namespace("active", corev1.NamespaceActive), namespace("terminating", corev1.NamespaceTerminating),
				namespace("has", corev1.NamespaceActive), existing}
			client := fake.NewClientset(objs...)
			factory := informers.NewSharedInformerFactory(client, 0)
			c, err := New(client, factory, clocktesting.NewFakeClock(time.Unix(0, 0)), Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(c.queue.ShutDown)
			for _, o := range objs {
				store := factory.Core().V1().Namespaces().Informer().GetStore()
				if _, ok := o.(*corev1.ServiceAccount); ok {
					store = factory.Core().V1().ServiceAccounts().Informer().GetStore()
				}
				if err := store.Add(o); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.sync(t.Context(), tt.ns); err != nil {
				t.Fatal(err)
			}
			creates := 0
			for _, a := range client.Actions() {
				if a.GetVerb() == "create" {
					creates++
				}
			}
			if creates != tt.wantCreates {
				t.Errorf("%d creates, want %d", creates, tt.wantCreates)
			}
			if tt.wantCreates > 0 {
				if _, err := client.CoreV1().ServiceAccounts(tt.ns).Get(t.Context(), DefaultName, metav1.GetOptions{}); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// TestSyncRaceWithAnotherCreator: the cache lags, the create answers
// AlreadyExists, and that is success.
func TestSyncRaceWithAnotherCreator(t *testing.T) {
	t.Parallel()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: DefaultName, Namespace: "ns"}}
	client := fake.NewClientset(sa)
	factory := informers.NewSharedInformerFactory(client, 0)
	c, err := New(client, factory, nil, Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.queue.ShutDown)
	if err := factory.Core().V1().Namespaces().Informer().GetStore().Add(namespace("ns", corev1.NamespaceActive)); err != nil {
		t.Fatal(err)
	}
	if err := c.sync(t.Context(), "ns"); err != nil {
		t.Errorf("sync = %v, want AlreadyExists swallowed", err)
	}
}
