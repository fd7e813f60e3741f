package kubelet

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

// t0 is the fake clock's start; every time in the tests is relative to it.
var t0 = time.Date(2026, time.March, 4, 10, 0, 0, 0, time.UTC)

const ns = "ns"

var podResource = corev1.SchemeGroupVersion.WithResource("pods")

// fixture is a controller for two nodes over a fake clientset whose
// informer caches are filled by hand (no informer runs), so each test
// drives syncPod and syncNode itself on a fake clock.
type fixture struct {
	t       *testing.T
	client  *fake.Clientset
	factory informers.SharedInformerFactory
	clock   *clocktesting.FakeClock
	sim     *Simulator
	c       *controller
	events  *eventLog
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{
		t:      t,
		client: fake.NewSimpleClientset(),
		clock:  clocktesting.NewFakeClock(t0),
		sim:    New(Options{Nodes: 2}),
		events: &eventLog{},
	}
	f.factory = informers.NewSharedInformerFactory(f.client, 0)
	c, err := newController(f.sim, f.client, f.factory, f.clock,
		func(string) record.EventRecorder { return f.events }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.shutDown)
	f.sim.attach(f.clock, nil)
	f.c = c
	return f
}

// at moves the clock to t0+d.
func (f *fixture) at(d time.Duration) { f.clock.SetTime(t0.Add(d)) }

// add stores a pod in the fake API and the cache.
func (f *fixture) add(pod *corev1.Pod) {
	f.t.Helper()
	if err := f.client.Tracker().Add(pod); err != nil {
		f.t.Fatal(err)
	}
	f.refresh()
}

// refresh copies the API's pods and nodes into the caches, as the
// informers would, and drops the ones that are gone.
func (f *fixture) refresh() {
	f.t.Helper()
	pods, err := f.client.CoreV1().Pods("").List(f.t.Context(), metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	var objs []any
	for i := range pods.Items {
		objs = append(objs, &pods.Items[i])
	}
	if err := f.factory.Core().V1().Pods().Informer().GetIndexer().Replace(objs, ""); err != nil {
		f.t.Fatal(err)
	}
	nodes, err := f.client.CoreV1().Nodes().List(f.t.Context(), metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	objs = nil
	for i := range nodes.Items {
		objs = append(objs, &nodes.Items[i])
	}
	if err := f.factory.Core().V1().Nodes().Informer().GetIndexer().Replace(objs, ""); err != nil {
		f.t.Fatal(err)
	}
}

// sync refreshes the caches and syncs the pod at the clock's time.
func (f *fixture) sync(name string) {
	f.t.Helper()
	f.refresh()
	if err := f.c.syncPod(f.t.Context(), ns+"/"+name); err != nil {
		f.t.Fatalf("sync %s at %s: %v", name, f.clock.Now().Sub(t0), err)
	}
}

// syncAt syncs the pod at t0+d.
func (f *fixture) syncAt(name string, d time.Duration) *corev1.Pod {
	f.t.Helper()
	f.at(d)
	f.sync(name)
	return f.pod(name)
}

// next is the offset from t0 of the pod's next transition; -1 for none.
func (f *fixture) next(name string) time.Duration {
	p := f.sim.lookup(ns + "/" + name)
	if p == nil {
		return -1
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	at := p.nextAt()
	if at.IsZero() {
		return -1
	}
	return at.Sub(t0)
}

// runUntilQuiet syncs the pod at each of its transitions until none is
// left or limit is passed, calling each (if not nil) after every sync.
func (f *fixture) runUntilQuiet(name string, limit time.Duration, each func(*corev1.Pod)) {
	f.t.Helper()
	for d := f.next(name); d >= 0 && d <= limit; d = f.next(name) {
		f.at(d)
		f.sync(name)
		if each != nil {
			each(f.podOrNil(name))
		}
	}
}

// deleteAt marks the pod deleted at t0+d with grace seconds, as the API
// server does, and syncs it.
func (f *fixture) deleteAt(name string, d time.Duration, grace int64) {
	f.t.Helper()
	f.at(d)
	pod := f.pod(name)
	ts := metav1.NewTime(f.clock.Now().Add(time.Duration(grace) * time.Second))
	pod.DeletionTimestamp, pod.DeletionGracePeriodSeconds = &ts, ptr.To(grace)
	if err := f.client.Tracker().Update(podResource, pod, ns); err != nil {
		f.t.Fatal(err)
	}
	f.sync(name)
}

func (f *fixture) podOrNil(name string) *corev1.Pod {
	obj, err := f.client.Tracker().Get(podResource, ns, name)
	if err != nil {
		return nil
	}
	return obj.(*corev1.Pod)
}

func (f *fixture) pod(name string) *corev1.Pod {
	f.t.Helper()
	p := f.podOrNil(name)
	if p == nil {
		f.t.Fatalf("pod %s is gone", name)
	}
	return p
}

// deletes returns the pod DELETEs sent.
func (f *fixture) deletes() []k8stesting.DeleteAction {
	var out []k8stesting.DeleteAction
	for _, a := range f.client.Actions() {
		if d, ok := a.(k8stesting.DeleteAction); ok && a.GetResource().Resource == "pods" {
			out = append(out, d)
		}
	}
	return out
}

// statusPatches counts the patches of resource/status.
func (f *fixture) statusPatches(resource string) int {
	n := 0
	for _, a := range f.client.Actions() {
		if a.GetVerb() == "patch" && a.GetResource().Resource == resource && a.GetSubresource() == "status" {
			n++
		}
	}
	return n
}

// newPod builds a pod with one container "app" bound to node-1.
func newPod(name string, opts ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID("uid-" + name), Annotations: map[string]string{}},
		Spec: corev1.PodSpec{
			NodeName:      "node-1",
			RestartPolicy: corev1.RestartPolicyAlways,
			Containers:    []corev1.Container{{Name: "app", Image: "nginx"}},
		},
		Status: corev1.PodStatus{Phase: corev1.PodPending},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func annotated(kv ...string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		for i := 0; i+1 < len(kv); i += 2 {
			p.Annotations[kv[i]] = kv[i+1]
		}
	}
}

func restartPolicy(r corev1.RestartPolicy) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Spec.RestartPolicy = r }
}

func preStopSleep(seconds int64) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: seconds}}}
	}
}

func withInit(name string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: name, Image: "busybox"})
	}
}

func condition(pod *corev1.Pod, t corev1.PodConditionType) corev1.PodCondition {
	for _, c := range pod.Status.Conditions {
		if c.Type == t {
			return c
		}
	}
	return corev1.PodCondition{}
}

// event is one recorded event.
type event struct{ Type, Reason, Message string }

// eventLog is a record.EventRecorder that keeps what it is told.
type eventLog struct {
	mu     sync.Mutex
	events []event
}

func (l *eventLog) Event(_ runtime.Object, eventtype, reason, message string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, event{eventtype, reason, message})
}

func (l *eventLog) Eventf(obj runtime.Object, eventtype, reason, format string, args ...any) {
	l.Event(obj, eventtype, reason, fmt.Sprintf(format, args...))
}

func (l *eventLog) AnnotatedEventf(obj runtime.Object, _ map[string]string, eventtype, reason, format string, args ...any) {
	l.Eventf(obj, eventtype, reason, format, args...)
}

// reasons lists the events' reasons so far.
func (l *eventLog) reasons() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var r []string
	for _, e := range l.events {
		r = append(r, e.Reason)
	}
	return strings.Join(r, ",")
}
