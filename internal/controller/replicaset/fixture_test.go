package replicaset

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

// t0 is the fake clock's start; every timestamp in the tests is relative to it.
var t0 = time.Date(2026, time.March, 4, 10, 0, 0, 0, time.UTC)

const ns = "ns"

var podResource = corev1.SchemeGroupVersion.WithResource("pods")

// fixture is a Controller over a fake clientset whose informer caches are
// filled by hand (no informer runs), so each test drives sync and the
// handlers directly.
type fixture struct {
	t       *testing.T
	client  *fake.Clientset
	factory informers.SharedInformerFactory
	events  *eventLog
	clock   *clocktesting.FakeClock
	c       *Controller
	delayed *recordingQueue
	// createErr, if set, answers the create of the n-th pod (from 1).
	createErr func(n int64) error
	creates   atomic.Int64
}

func newFixture(t *testing.T, opts Options, objs ...runtime.Object) *fixture {
	t.Helper()
	f := &fixture{t: t, client: fake.NewClientset(), events: &eventLog{}, clock: clocktesting.NewFakeClock(t0)}
	f.factory = informers.NewSharedInformerFactory(f.client, 0)
	f.serveLikeAnAPIServer()
	opts.NewRateLimiter = noDelay
	opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	var err error
	if len(objs) > 0 {
		if _, isRC := objs[0].(*corev1.ReplicationController); isRC {
			f.c, err = NewReplicationManager(f.client, f.factory, f.events, f.clock, opts)
		}
	}
	if f.c == nil && err == nil {
		f.c, err = New(f.client, f.factory, f.events, f.clock, opts)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.c.queue.ShutDown)
	f.delayed = &recordingQueue{TypedRateLimitingInterface: f.c.queue}
	f.c.queue = f.delayed
	f.add(objs...)
	return f
}

// noDelay is a rate limiter that never delays.
func noDelay() workqueue.TypedRateLimiter[string] {
	return workqueue.NewTypedItemExponentialFailureRateLimiter[string](0, 0)
}

// serveLikeAnAPIServer gives created pods a name from generateName, a UID,
// a creation time from the fake clock and a resourceVersion, and bumps
// resourceVersions on update.
func (f *fixture) serveLikeAnAPIServer() {
	f.client.PrependReactor("create", "pods", func(action k8stesting.Action) (bool, runtime.Object, error) {
		n := f.creates.Add(1)
		if f.createErr != nil {
			if err := f.createErr(n); err != nil {
				return true, nil, err
			}
		}
		pod := action.(k8stesting.CreateAction).GetObject().(*corev1.Pod)
		if pod.Name == "" {
			pod.Name = pod.GenerateName + strconv.FormatInt(n, 10)
		}
		pod.UID = types.UID("uid-" + pod.Name)
		pod.ResourceVersion = "1"
		pod.CreationTimestamp = metav1.NewTime(f.clock.Now())
		return false, nil, nil
	})
	f.client.PrependReactor("update", "*", func(action k8stesting.Action) (bool, runtime.Object, error) {
		m, _ := meta.Accessor(action.(k8stesting.UpdateAction).GetObject())
		rv, _ := strconv.Atoi(m.GetResourceVersion())
		m.SetResourceVersion(strconv.Itoa(rv + 1))
		return false, nil, nil
	})
}

// add stores objects in the fake API and in the informer caches.
func (f *fixture) add(objs ...runtime.Object) {
	f.t.Helper()
	for _, obj := range objs {
		obj = obj.DeepCopyObject()
		if err := f.client.Tracker().Add(obj); err != nil {
			f.t.Fatal(err)
		}
		if err := f.informerFor(obj).GetIndexer().Add(obj); err != nil {
			f.t.Fatal(err)
		}
	}
}

// refresh replaces the pod and workload caches with the API's contents, as
// the informers would after the controller's writes (without the events).
func (f *fixture) refresh() {
	f.t.Helper()
	var objs []runtime.Object
	for _, p := range f.apiPods() {
		objs = append(objs, p)
	}
	f.replace(f.factory.Core().V1().Pods().Informer(), objs)
	rss, _ := f.client.AppsV1().ReplicaSets(ns).List(f.t.Context(), metav1.ListOptions{})
	objs = nil
	for i := range rss.Items {
		objs = append(objs, &rss.Items[i])
	}
	f.replace(f.factory.Apps().V1().ReplicaSets().Informer(), objs)
	rcs, _ := f.client.CoreV1().ReplicationControllers(ns).List(f.t.Context(), metav1.ListOptions{})
	objs = nil
	for i := range rcs.Items {
		objs = append(objs, &rcs.Items[i])
	}
	f.replace(f.factory.Core().V1().ReplicationControllers().Informer(), objs)
}

func (f *fixture) replace(inf cache.SharedIndexInformer, objs []runtime.Object) {
	items := make([]any, len(objs))
	for i, o := range objs {
		items[i] = o
	}
	if err := inf.GetIndexer().Replace(items, ""); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) informerFor(obj runtime.Object) cache.SharedIndexInformer {
	switch obj.(type) {
	case *corev1.Pod:
		return f.factory.Core().V1().Pods().Informer()
	case *appsv1.ReplicaSet:
		return f.factory.Apps().V1().ReplicaSets().Informer()
	case *corev1.ReplicationController:
		return f.factory.Core().V1().ReplicationControllers().Informer()
	}
	f.t.Fatalf("no informer for %T", obj)
	return nil
}

func (f *fixture) sync(name string) error {
	return f.c.sync(f.t.Context(), ns+"/"+name)
}

func (f *fixture) mustSync(name string) {
	f.t.Helper()
	if err := f.sync(name); err != nil {
		f.t.Fatalf("sync %s: %v", name, err)
	}
}

// apiPods lists the pods in the fake API, by name.
func (f *fixture) apiPods() []*corev1.Pod {
	f.t.Helper()
	list, err := f.client.CoreV1().Pods(ns).List(f.t.Context(), metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	var pods []*corev1.Pod
	for i := range list.Items {
		pods = append(pods, &list.Items[i])
	}
	slices.SortFunc(pods, func(a, b *corev1.Pod) int { return compareStrings(a.Name, b.Name) })
	return pods
}

func (f *fixture) rs(name string) *appsv1.ReplicaSet {
	f.t.Helper()
	rs, err := f.client.AppsV1().ReplicaSets(ns).Get(f.t.Context(), name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return rs
}

// actions lists the verbs sent for resource (and subresource), e.g.
// "create pods", "delete pods", "patch pods", "update replicasets/status".
func (f *fixture) actions() []string {
	var out []string
	for _, a := range f.client.Actions() {
		if a.GetVerb() == "list" || a.GetVerb() == "watch" {
			continue
		}
		r := a.GetResource().Resource
		if a.GetSubresource() != "" {
			r += "/" + a.GetSubresource()
		}
		out = append(out, a.GetVerb()+" "+r)
	}
	f.client.ClearActions()
	return out
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func count(actions []string, want string) int {
	n := 0
	for _, a := range actions {
		if a == want {
			n++
		}
	}
	return n
}

// event is one recorded event, its object named "Kind namespace/name".
type event struct{ object, eventtype, reason, message string }

// eventLog is a record.EventRecorder that keeps what it is given.
type eventLog struct {
	mu     sync.Mutex
	events []event
}

func (l *eventLog) Event(obj runtime.Object, eventtype, reason, message string) {
	m, _ := meta.Accessor(obj)
	kind := fmt.Sprintf("%T", obj)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, event{kind + " " + m.GetNamespace() + "/" + m.GetName(), eventtype, reason, message})
}

func (l *eventLog) Eventf(obj runtime.Object, eventtype, reason, format string, args ...any) {
	l.Event(obj, eventtype, reason, fmt.Sprintf(format, args...))
}

func (l *eventLog) AnnotatedEventf(obj runtime.Object, _ map[string]string, eventtype, reason, format string, args ...any) {
	l.Eventf(obj, eventtype, reason, format, args...)
}

func (l *eventLog) take() []event {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.events
	l.events = nil
	return out
}

func (l *eventLog) reasons() map[string]int {
	m := map[string]int{}
	for _, e := range l.take() {
		m[e.reason]++
	}
	return m
}

// delayed is one AddAfter call.
type delayed struct {
	key   string
	after time.Duration
}

// recordingQueue records AddAfter calls (and passes them on).
type recordingQueue struct {
	workqueue.TypedRateLimitingInterface[string]
	mu    sync.Mutex
	calls []delayed
}

func (q *recordingQueue) AddAfter(key string, d time.Duration) {
	q.mu.Lock()
	q.calls = append(q.calls, delayed{key, d})
	q.mu.Unlock()
	q.TypedRateLimitingInterface.AddAfter(key, d)
}

func (q *recordingQueue) take() []delayed {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.calls
	q.calls = nil
	return out
}

// drain empties the queue and returns the keys that were in it.
func (q *recordingQueue) drain() []string {
	var keys []string
	for q.Len() > 0 {
		k, _ := q.Get()
		q.Done(k)
		keys = append(keys, k)
	}
	return keys
}

var webLabels = map[string]string{"app": "web"}

func newRS(name string, n int32, opts ...func(*appsv1.ReplicaSet)) *appsv1.ReplicaSet {
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + name), ResourceVersion: "1", Generation: 1},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr.To(n),
			Selector: &metav1.LabelSelector{MatchLabels: webLabels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web", "tier": "front"}, Annotations: map[string]string{"a": "b"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "img"}}},
			},
		},
	}
	for _, o := range opts {
		o(rs)
	}
	return rs
}

func minReady(s int32) func(*appsv1.ReplicaSet) {
	return func(rs *appsv1.ReplicaSet) { rs.Spec.MinReadySeconds = s }
}

func controlledBy(uid types.UID) func(*appsv1.ReplicaSet) {
	return func(rs *appsv1.ReplicaSet) {
		rs.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "d", UID: uid, Controller: ptr.To(true)}}
	}
}

// newPod is a Running pod on node "n1" labelled app=web, tier=front,
// controlled by the ReplicaSet owner (none if "").
func newPod(name, owner string, opts ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: name, UID: types.UID("uid-" + name), ResourceVersion: "1",
			Labels: map[string]string{"app": "web", "tier": "front"}, CreationTimestamp: metav1.NewTime(t0.Add(-time.Hour)),
		},
		Spec:   corev1.PodSpec{NodeName: "n1"},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}
	if owner != "" {
		p.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(&metav1.ObjectMeta{Name: owner, UID: types.UID("uid-" + owner)}, replicaSetKind)}
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func ready(since time.Time) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(since)}}
	}
}

func deleting(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{Time: t0} }

func onNode(n string) func(*corev1.Pod) { return func(p *corev1.Pod) { p.Spec.NodeName = n } }

func phase(ph corev1.PodPhase) func(*corev1.Pod) { return func(p *corev1.Pod) { p.Status.Phase = ph } }

func labelled(l map[string]string) func(*corev1.Pod) { return func(p *corev1.Pod) { p.Labels = l } }
