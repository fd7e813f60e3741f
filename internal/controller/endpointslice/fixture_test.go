package endpointslice

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	clocktesting "k8s.io/utils/clock/testing"
)

const ns = "ns"

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fixture is a Controller over a fake clientset that names, versions and
// identifies created objects like an API server; its informers are never
// started: tests put objects in the caches and call sync.
type fixture struct {
	t       *testing.T
	client  *fake.Clientset
	factory informers.SharedInformerFactory
	c       *Controller
	clock   *clocktesting.FakeClock
}

func newFixture(t *testing.T, maxPerSlice int, objs ...runtime.Object) *fixture {
	t.Helper()
	client := fake.NewClientset()
	serveLikeAnAPIServer(client)
	f := &fixture{t: t, client: client, factory: informers.NewSharedInformerFactory(client, 0), clock: clocktesting.NewFakeClock(t0)}
	c, err := New(client, f.factory, record.NewFakeRecorder(100), f.clock, Options{
		MaxEndpointsPerSlice: maxPerSlice,
		NewRateLimiter: func() workqueue.TypedRateLimiter[string] {
			return workqueue.NewTypedItemExponentialFailureRateLimiter[string](0, 0)
		},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.queue.ShutDown)
	f.c = c
	f.add(newNode("node-1", "zone-a"))
	f.add(objs...)
	return f
}

// serveLikeAnAPIServer: creates get a name from generateName, a UID and a
// resourceVersion; updates a new resourceVersion.
func serveLikeAnAPIServer(client *fake.Clientset) {
	var mu sync.Mutex
	next := 1
	stamp := func(action k8stesting.Action) (bool, runtime.Object, error) {
		obj := action.(interface{ GetObject() runtime.Object }).GetObject()
		m, err := meta.Accessor(obj)
		if err != nil {
			return false, nil, nil
		}
		mu.Lock()
		defer mu.Unlock()
		next++
		if action.GetVerb() == "create" {
			if m.GetName() == "" {
				m.SetName(fmt.Sprintf("%s%05d", m.GetGenerateName(), next))
			}
			m.SetUID(types.UID(fmt.Sprintf("uid-%d", next)))
		}
		m.SetResourceVersion(fmt.Sprint(next))
		return false, nil, nil
	}
	client.PrependReactor("create", "*", stamp)
	client.PrependReactor("update", "*", stamp)
}

var (
	podsResource   = corev1.SchemeGroupVersion.WithResource("pods")
	slicesResource = discoveryv1.SchemeGroupVersion.WithResource("endpointslices")
)

func (f *fixture) add(objs ...runtime.Object) {
	f.t.Helper()
	for _, obj := range objs {
		gvr := corev1.SchemeGroupVersion.WithResource("services")
		inf := f.factory.Core().V1().Services().Informer()
		switch obj.(type) {
		case *corev1.Pod:
			gvr, inf = podsResource, f.factory.Core().V1().Pods().Informer()
		case *corev1.Node:
			gvr, inf = corev1.SchemeGroupVersion.WithResource("nodes"), f.factory.Core().V1().Nodes().Informer()
		case *discoveryv1.EndpointSlice:
			gvr, inf = slicesResource, f.factory.Discovery().V1().EndpointSlices().Informer()
		}
		m, _ := meta.Accessor(obj)
		err := f.client.Tracker().Add(obj)
		if apierrors.IsAlreadyExists(err) {
			err = f.client.Tracker().Update(gvr, obj, m.GetNamespace())
		}
		if err != nil {
			f.t.Fatal(err)
		}
		if err := inf.GetStore().Update(obj); err != nil {
			f.t.Fatal(err)
		}
	}
}

// remove deletes a pod from the fake API and the cache.
func (f *fixture) remove(pod *corev1.Pod) {
	f.t.Helper()
	if err := f.client.Tracker().Delete(podsResource, ns, pod.Name); err != nil {
		f.t.Fatal(err)
	}
	if err := f.factory.Core().V1().Pods().Informer().GetStore().Delete(pod); err != nil {
		f.t.Fatal(err)
	}
}

// sync runs one sync of service name and copies the slices to the cache.
func (f *fixture) sync(name string) {
	f.t.Helper()
	if err := f.c.sync(f.t.Context(), ns+"/"+name); err != nil {
		f.t.Fatalf("sync %s: %v", name, err)
	}
	items := []any{}
	for _, s := range f.slices() {
		items = append(items, s)
	}
	if err := f.factory.Discovery().V1().EndpointSlices().Informer().GetStore().Replace(items, ""); err != nil {
		f.t.Fatal(err)
	}
}

// slices lists the stored slices by name.
func (f *fixture) slices() []*discoveryv1.EndpointSlice {
	f.t.Helper()
	list, err := f.client.DiscoveryV1().EndpointSlices(ns).List(f.t.Context(), metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	out := []*discoveryv1.EndpointSlice{}
	for i := range list.Items {
		out = append(out, &list.Items[i])
	}
	slices.SortFunc(out, byName)
	return out
}

// writes counts slice writes by verb.
func (f *fixture) writes() map[string]int {
	n := map[string]int{}
	for _, a := range f.client.Actions() {
		if a.GetResource() == slicesResource && a.GetVerb() != "list" && a.GetVerb() != "watch" {
			n[a.GetVerb()]++
		}
	}
	return n
}

func newNode(name, zone string) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, ResourceVersion: "1", Labels: map[string]string{corev1.LabelTopologyZone: zone}}}
}

func newService(name string, opts ...func(*corev1.Service)) *corev1.Service {
	s := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID("uid-" + name), ResourceVersion: "1",
			CreationTimestamp: metav1.Time{Time: t0}, Labels: map[string]string{"team": "x"}},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "a"}, ClusterIP: "10.96.0.10", IPFamilies: []corev1.IPFamily{corev1.IPv4Protocol},
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("web")}},
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
			Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}},
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Time{Time: t0}}},
		},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func notReady(p *corev1.Pod)    { p.Status.Conditions[0].Status = corev1.ConditionFalse }
func terminating(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{Time: t0} }
