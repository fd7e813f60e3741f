package endpoints

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	clocktesting "k8s.io/utils/clock/testing"
)

const ns = "ns"

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fixture is a Controller over a fake clientset whose informers are never
// started: objects go into the fake API and the informer stores by hand,
// and tests call sync directly.
type fixture struct {
	t       *testing.T
	client  *fake.Clientset
	factory informers.SharedInformerFactory
	c       *Controller
	events  *eventLog
}

func newFixture(t *testing.T, objs ...runtime.Object) *fixture {
	t.Helper()
	client := fake.NewClientset()
	stampVersions(client)
	f := &fixture{t: t, client: client, factory: informers.NewSharedInformerFactory(client, 0), events: &eventLog{}}
	c, err := New(client, f.factory, f.events, clocktesting.NewFakeClock(t0), Options{
		NewRateLimiter: noDelay,
		Log:            slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.queue.ShutDown)
	f.c = c
	f.add(objs...)
	return f
}

func noDelay() workqueue.TypedRateLimiter[string] {
	return workqueue.NewTypedItemExponentialFailureRateLimiter[string](0, 0)
}

// stampVersions gives created and updated objects increasing
// resourceVersions, as an API server does.
func stampVersions(client *fake.Clientset) {
	var mu sync.Mutex
	next := 1
	stamp := func(action k8stesting.Action) (bool, runtime.Object, error) {
		obj := action.(interface{ GetObject() runtime.Object }).GetObject()
		if m, err := meta.Accessor(obj); err == nil {
			mu.Lock()
			next++
			m.SetResourceVersion(fmt.Sprint(next))
			mu.Unlock()
		}
		return false, nil, nil
	}
	client.PrependReactor("create", "*", stamp)
	client.PrependReactor("update", "*", stamp)
}

// add stores objects in the fake API and the informer caches.
func (f *fixture) add(objs ...runtime.Object) {
	f.t.Helper()
	for _, obj := range objs {
		if err := f.client.Tracker().Add(obj); apierrors.IsAlreadyExists(err) {
			err = f.client.Tracker().Update(trackerResource(obj), obj, ns)
		} else if err != nil {
			f.t.Fatal(err)
		}
		if err := f.informerFor(obj).GetStore().Add(obj); err != nil {
			f.t.Fatal(err)
		}
	}
}

// refresh copies the fake API's Endpoints into the informer cache.
func (f *fixture) refresh() {
	f.t.Helper()
	store := f.factory.Core().V1().Endpoints().Informer().GetStore()
	list, err := f.client.Tracker().List(corev1.SchemeGroupVersion.WithResource("endpoints"),
		corev1.SchemeGroupVersion.WithKind("Endpoints"), "")
	if err != nil {
		f.t.Fatal(err)
	}
	items := []any{}
	for i := range list.(*corev1.EndpointsList).Items {
		items = append(items, &list.(*corev1.EndpointsList).Items[i])
	}
	if err := store.Replace(items, ""); err != nil {
		f.t.Fatal(err)
	}
}

func trackerResource(obj runtime.Object) schema.GroupVersionResource {
	switch obj.(type) {
	case *corev1.Pod:
		return corev1.SchemeGroupVersion.WithResource("pods")
	case *corev1.Service:
		return corev1.SchemeGroupVersion.WithResource("services")
	}
	return corev1.SchemeGroupVersion.WithResource("endpoints")
}

func (f *fixture) informerFor(obj runtime.Object) cache.SharedIndexInformer {
	switch obj.(type) {
	case *corev1.Pod:
		return f.factory.Core().V1().Pods().Informer()
	case *corev1.Service:
		return f.factory.Core().V1().Services().Informer()
	case *corev1.Endpoints:
		return f.factory.Core().V1().Endpoints().Informer()
	}
	f.t.Fatalf("no informer for %T", obj)
	return nil
}

// sync runs one sync of service name and refreshes the cache.
func (f *fixture) sync(name string) {
	f.t.Helper()
	if err := f.c.sync(f.t.Context(), ns+"/"+name); err != nil {
		f.t.Fatalf("sync %s: %v", name, err)
	}
	f.refresh()
}

func (f *fixture) endpoints(name string) *corev1.Endpoints {
	f.t.Helper()
	ep, err := f.client.CoreV1().Endpoints(ns).Get(f.t.Context(), name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return ep
}

// writes counts the create and update calls on endpoints.
func (f *fixture) writes() int {
	n := 0
	for _, a := range f.client.Actions() {
		if a.GetResource().Resource == "endpoints" && (a.GetVerb() == "create" || a.GetVerb() == "update") {
			n++
		}
	}
	return n
}

type eventLog struct {
	mu     sync.Mutex
	events []string
}

func (l *eventLog) Event(_ runtime.Object, eventtype, reason, message string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, eventtype+" "+reason+" "+message)
}

func (l *eventLog) Eventf(obj runtime.Object, eventtype, reason, format string, args ...any) {
	l.Event(obj, eventtype, reason, fmt.Sprintf(format, args...))
}

func (l *eventLog) AnnotatedEventf(obj runtime.Object, _ map[string]string, eventtype, reason, format string, args ...any) {
	l.Eventf(obj, eventtype, reason, format, args...)
}

func newService(name string, opts ...func(*corev1.Service)) *corev1.Service {
	s := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID("uid-" + name), ResourceVersion: "1",
			CreationTimestamp: metav1.Time{Time: t0}, Labels: map[string]string{"team": "x"}},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "a"}, ClusterIP: "10.96.0.10", IPFamilies: []corev1.IPFamily{corev1.IPv4Protocol},
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(8080)}},
		},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

func newPod(name, ip string, opts ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID("uid-" + name), ResourceVersion: "1",
			Labels: map[string]string{"app": "a"}},
		Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "c",
			Ports: []corev1.ContainerPort{{Name: "web", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}}}},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning, PodIP: ip,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Time{Time: t0}}},
		},
	}
	if ip != "" {
		p.Status.PodIPs = []corev1.PodIP{{IP: ip}}
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func notReady(p *corev1.Pod)    { p.Status.Conditions[0].Status = corev1.ConditionFalse }
func terminating(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{Time: t0} }
