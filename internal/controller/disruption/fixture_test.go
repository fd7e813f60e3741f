package disruption

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	scalefake "k8s.io/client-go/scale/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	clocktesting "k8s.io/utils/clock/testing"
)

// t0 is the fake clock's start; every timestamp in the tests is relative to it.
var t0 = time.Date(2026, time.March, 4, 10, 0, 0, 0, time.UTC)

const ns = "ns"

var (
	pdbResource = policyv1.SchemeGroupVersion.WithResource("poddisruptionbudgets")
	podResource = corev1.SchemeGroupVersion.WithResource("pods")
)

// fixture is a Controller over a fake clientset whose informer caches are
// filled by hand (no informer runs), so each test drives sync directly.
type fixture struct {
	t        *testing.T
	client   *fake.Clientset
	factory  informers.SharedInformerFactory
	scales   *scaleServer
	events   *eventLog
	clock    *clocktesting.FakeClock
	c        *Controller
	rechecks *recordingQueue
	stale    *recordingRateLimitingQueue
}

func newFixture(t *testing.T, objs ...runtime.Object) *fixture {
	t.Helper()
	client := fake.NewSimpleClientset()
	serveLikeAnAPIServer(client)
	client.Resources = discoveryResources()
	f := &fixture{
		t:       t,
		client:  client,
		factory: informers.NewSharedInformerFactory(client, 0),
		scales:  newScaleServer(),
		events:  &eventLog{},
		clock:   clocktesting.NewFakeClock(t0),
	}
	c, err := New(client, f.factory, f.scales.client, testMapper(), f.events, f.clock, Options{
		NewRateLimiter: noDelay,
		Log:            slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.shutDownQueues)
	f.c = c
	f.rechecks = &recordingQueue{TypedDelayingInterface: c.recheckQueue}
	c.recheckQueue = f.rechecks
	f.stale = &recordingRateLimitingQueue{TypedRateLimitingInterface: c.staleQueue}
	c.staleQueue = f.stale
	f.add(objs...)
	return f
}

// noDelay is a rate limiter that never delays, so requeued keys do not wait
// on the fake clock.
func noDelay() workqueue.TypedRateLimiter[string] {
	return workqueue.NewTypedItemExponentialFailureRateLimiter[string](0, 0)
}

// add stores objects in the fake API and in the informer caches.
func (f *fixture) add(objs ...runtime.Object) {
	f.t.Helper()
	for _, obj := range objs {
		obj = obj.DeepCopyObject()
		m, _ := meta.Accessor(obj)
		if m.GetResourceVersion() == "" {
			m.SetResourceVersion("1")
		}
		if err := f.client.Tracker().Add(obj); err != nil {
			f.t.Fatal(err)
		}
		if err := f.informerFor(obj).GetIndexer().Add(obj); err != nil {
			f.t.Fatal(err)
		}
	}
}

// refresh copies the API's current PDBs and pods into the caches, as the
// informers would after the controller's own writes.
func (f *fixture) refresh() {
	f.t.Helper()
	for gvr, kind := range map[schema.GroupVersionResource]string{pdbResource: "PodDisruptionBudget", podResource: "Pod"} {
		list, err := f.client.Tracker().List(gvr, gvr.GroupVersion().WithKind(kind), ns)
		if err != nil {
			f.t.Fatal(err)
		}
		items, _ := meta.ExtractList(list)
		for _, obj := range items {
			if err := f.informerFor(obj).GetIndexer().Update(obj); err != nil {
				f.t.Fatal(err)
			}
		}
	}
}

func (f *fixture) informerFor(obj runtime.Object) cache.SharedIndexInformer {
	switch obj.(type) {
	case *corev1.Pod:
		return f.factory.Core().V1().Pods().Informer()
	case *policyv1.PodDisruptionBudget:
		return f.factory.Policy().V1().PodDisruptionBudgets().Informer()
	case *corev1.ReplicationController:
		return f.factory.Core().V1().ReplicationControllers().Informer()
	case *appsv1.ReplicaSet:
		return f.factory.Apps().V1().ReplicaSets().Informer()
	case *appsv1.Deployment:
		return f.factory.Apps().V1().Deployments().Informer()
	case *appsv1.StatefulSet:
		return f.factory.Apps().V1().StatefulSets().Informer()
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

func (f *fixture) pdb(name string) *policyv1.PodDisruptionBudget {
	f.t.Helper()
	obj, err := f.client.Tracker().Get(pdbResource, ns, name)
	if err != nil {
		f.t.Fatal(err)
	}
	return obj.(*policyv1.PodDisruptionBudget)
}

func (f *fixture) pod(name string) *corev1.Pod {
	f.t.Helper()
	obj, err := f.client.Tracker().Get(podResource, ns, name)
	if err != nil {
		f.t.Fatal(err)
	}
	return obj.(*corev1.Pod)
}

// statusWrites returns the UpdateStatus calls made on resource, answered or not.
func (f *fixture) statusWrites(resource string) []k8stesting.UpdateAction {
	var out []k8stesting.UpdateAction
	for _, a := range f.client.Actions() {
		if u, ok := a.(k8stesting.UpdateAction); ok && a.GetResource().Resource == resource && a.GetSubresource() == "status" {
			out = append(out, u)
		}
	}
	return out
}

// serveLikeAnAPIServer makes writes behave like kube-apiserver's for PDBs and
// pods: creates get a resourceVersion; updates must carry the current one
// (else 409 Conflict) and bump it; /status writes change only the status.
func serveLikeAnAPIServer(client *fake.Clientset) {
	tracker := client.Tracker()
	client.PrependReactor("create", "*", func(action k8stesting.Action) (bool, runtime.Object, error) {
		// Stamp the first resourceVersion and let the tracker store it.
		if m, err := meta.Accessor(action.(k8stesting.CreateAction).GetObject()); err == nil && m.GetResourceVersion() == "" {
			m.SetResourceVersion("1")
		}
		return false, nil, nil
	})
	client.PrependReactor("update", "*", func(action k8stesting.Action) (bool, runtime.Object, error) {
		u := action.(k8stesting.UpdateAction)
		obj := u.GetObject().DeepCopyObject()
		m, _ := meta.Accessor(obj)
		gvr, gr := action.GetResource(), action.GetResource().GroupResource()
		if m.GetResourceVersion() == "" {
			return true, nil, apierrors.NewBadRequest("metadata.resourceVersion: must be specified for an update")
		}
		current, err := tracker.Get(gvr, action.GetNamespace(), m.GetName())
		if err != nil {
			return true, nil, err
		}
		cm, _ := meta.Accessor(current)
		if cm.GetResourceVersion() != m.GetResourceVersion() {
			return true, nil, apierrors.NewConflict(gr, m.GetName(), fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
		}
		if action.GetSubresource() == "status" {
			obj = withStatusOf(current.DeepCopyObject(), obj)
			m, _ = meta.Accessor(obj)
		}
		rv, _ := strconv.Atoi(cm.GetResourceVersion())
		m.SetResourceVersion(strconv.Itoa(rv + 1))
		if err := tracker.Update(gvr, obj, action.GetNamespace()); err != nil {
			return true, nil, err
		}
		return true, obj, nil
	})
}

// withStatusOf returns stored with the status of sent.
func withStatusOf(stored, sent runtime.Object) runtime.Object {
	switch s := stored.(type) {
	case *policyv1.PodDisruptionBudget:
		s.Status = sent.(*policyv1.PodDisruptionBudget).Status
	case *corev1.Pod:
		s.Status = sent.(*corev1.Pod).Status
	}
	return stored
}

// scaleServer answers GET .../scale from a map, NotFound otherwise.
type scaleServer struct {
	client *scalefake.FakeScaleClient
	mu     sync.Mutex
	scales map[string]*autoscalingv1.Scale // by "group.resource/namespace/name"
}

func newScaleServer() *scaleServer {
	s := &scaleServer{client: &scalefake.FakeScaleClient{}, scales: map[string]*autoscalingv1.Scale{}}
	s.client.AddReactor("get", "*", func(action k8stesting.Action) (bool, runtime.Object, error) {
		g := action.(k8stesting.GetAction)
		gr := action.GetResource().GroupResource()
		s.mu.Lock()
		defer s.mu.Unlock()
		if sc, ok := s.scales[gr.String()+"/"+g.GetNamespace()+"/"+g.GetName()]; ok {
			return true, sc.DeepCopy(), nil
		}
		return true, nil, apierrors.NewNotFound(gr, g.GetName())
	})
	return s
}

func (s *scaleServer) set(gr schema.GroupResource, name string, uid types.UID, replicas int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scales[gr.String()+"/"+ns+"/"+name] = &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: uid},
		Spec:       autoscalingv1.ScaleSpec{Replicas: replicas},
	}
}

var (
	widgets = schema.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "widgets"}
	gadgets = schema.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "gadgets"}
)

// testMapper knows the workload kinds and two custom kinds: Widget serves
// /scale, Gadget does not.
func testMapper() meta.RESTMapper {
	m := meta.NewDefaultRESTMapper(nil)
	m.Add(corev1.SchemeGroupVersion.WithKind("ReplicationController"), meta.RESTScopeNamespace)
	for _, kind := range []string{"ReplicaSet", "Deployment", "StatefulSet"} {
		m.Add(appsv1.SchemeGroupVersion.WithKind(kind), meta.RESTScopeNamespace)
	}
	m.Add(widgets.GroupVersion().WithKind("Widget"), meta.RESTScopeNamespace)
	m.Add(gadgets.GroupVersion().WithKind("Gadget"), meta.RESTScopeNamespace)
	return m
}

func discoveryResources() []*metav1.APIResourceList {
	scaleOf := func(resource string) metav1.APIResource {
		return metav1.APIResource{Name: resource + "/scale", Namespaced: true, Group: "autoscaling", Version: "v1", Kind: "Scale"}
	}
	return []*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{{Name: "replicationcontrollers", Namespaced: true, Kind: "ReplicationController"}, scaleOf("replicationcontrollers")}},
		{GroupVersion: "apps/v1", APIResources: []metav1.APIResource{
			{Name: "replicasets", Namespaced: true, Kind: "ReplicaSet"}, scaleOf("replicasets"),
			{Name: "deployments", Namespaced: true, Kind: "Deployment"}, scaleOf("deployments"),
			{Name: "statefulsets", Namespaced: true, Kind: "StatefulSet"}, scaleOf("statefulsets"),
		}},
		{GroupVersion: "example.com/v1", APIResources: []metav1.APIResource{
			{Name: "widgets", Namespaced: true, Kind: "Widget"}, scaleOf("widgets"),
			{Name: "gadgets", Namespaced: true, Kind: "Gadget"},
		}},
	}
}

// event is one recorded event, its object written "Kind ns/name".
type event struct{ Object, Type, Reason, Message string }

// eventLog is a record.EventRecorder that keeps what it is told.
type eventLog struct {
	mu     sync.Mutex
	events []event
}

func (l *eventLog) Event(obj runtime.Object, eventtype, reason, message string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	kind := "?"
	switch obj.(type) {
	case *corev1.Pod:
		kind = "Pod"
	case *policyv1.PodDisruptionBudget:
		kind = "PodDisruptionBudget"
	}
	m, _ := meta.Accessor(obj)
	l.events = append(l.events, event{kind + " " + m.GetNamespace() + "/" + m.GetName(), eventtype, reason, message})
}

func (l *eventLog) Eventf(obj runtime.Object, eventtype, reason, format string, args ...any) {
	l.Event(obj, eventtype, reason, fmt.Sprintf(format, args...))
}

func (l *eventLog) AnnotatedEventf(obj runtime.Object, _ map[string]string, eventtype, reason, format string, args ...any) {
	l.Eventf(obj, eventtype, reason, format, args...)
}

// take returns the events so far, sorted, and forgets them.
func (l *eventLog) take() []event {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.events
	l.events = nil
	slices.SortFunc(out, func(a, b event) int {
		return strings.Compare(a.Object+a.Reason+a.Message, b.Object+b.Reason+b.Message)
	})
	return out
}

// recordingQueue notes every AddAfter of the recheck queue.
type recordingQueue struct {
	workqueue.TypedDelayingInterface[string]
	mu    sync.Mutex
	added []delayed
}

type delayed struct {
	Key   string
	After time.Duration
}

func (q *recordingQueue) AddAfter(key string, d time.Duration) {
	q.mu.Lock()
	q.added = append(q.added, delayed{key, d})
	q.mu.Unlock()
	q.TypedDelayingInterface.AddAfter(key, d)
}

func (q *recordingQueue) take() []delayed {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.added
	q.added = nil
	return out
}

// recordingRateLimitingQueue notes every AddAfter of the stale-pod queue.
type recordingRateLimitingQueue struct {
	workqueue.TypedRateLimitingInterface[string]
	rec recordingQueue
}

func (q *recordingRateLimitingQueue) AddAfter(key string, d time.Duration) {
	q.rec.mu.Lock()
	q.rec.added = append(q.rec.added, delayed{key, d})
	q.rec.mu.Unlock()
	q.TypedRateLimitingInterface.AddAfter(key, d)
}

func (q *recordingRateLimitingQueue) take() []delayed { return q.rec.take() }

// Builders. Pods are Ready, labelled app=web and live in ns unless an
// option says otherwise.

func newPod(name string, opts ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID("uid-" + name), Labels: map[string]string{"app": "web"}},
		Status: corev1.PodStatus{
			Phase:      corev1.PodRunning,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func notReady(p *corev1.Pod) { p.Status.Conditions[0].Status = corev1.ConditionFalse }

func noConditions(p *corev1.Pod) { p.Status.Conditions = nil }

func terminating(p *corev1.Pod) {
	ts := metav1.NewTime(t0.Add(-time.Second))
	p.DeletionTimestamp = &ts
}

func phase(ph corev1.PodPhase) func(*corev1.Pod) { return func(p *corev1.Pod) { p.Status.Phase = ph } }

func labelled(l map[string]string) func(*corev1.Pod) { return func(p *corev1.Pod) { p.Labels = l } }

func inNamespace(n string) func(*corev1.Pod) { return func(p *corev1.Pod) { p.Namespace = n } }

func ownedBy(apiVersion, kind, name string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.OwnerReferences = append(p.OwnerReferences, controllerRef(apiVersion, kind, name))
	}
}

func controllerRef(apiVersion, kind, name string) metav1.OwnerReference {
	yes := true
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: name, UID: types.UID("uid-" + name), Controller: &yes}
}

func disruptionTarget(status corev1.ConditionStatus, reason string, since time.Time) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{
			Type: corev1.DisruptionTarget, Status: status, Reason: reason, Message: "Eviction API: evicting",
			LastTransitionTime: metav1.NewTime(since),
		})
	}
}

func newPDB(name string, opts ...func(*policyv1.PodDisruptionBudget)) *policyv1.PodDisruptionBudget {
	p := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Generation: 1},
		Spec:       policyv1.PodDisruptionBudgetSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func minAvailable(v intstr.IntOrString) func(*policyv1.PodDisruptionBudget) {
	return func(p *policyv1.PodDisruptionBudget) { p.Spec.MinAvailable = &v }
}

func maxUnavailable(v intstr.IntOrString) func(*policyv1.PodDisruptionBudget) {
	return func(p *policyv1.PodDisruptionBudget) { p.Spec.MaxUnavailable = &v }
}

func selector(s *metav1.LabelSelector) func(*policyv1.PodDisruptionBudget) {
	return func(p *policyv1.PodDisruptionBudget) { p.Spec.Selector = s }
}

func disrupted(pods map[string]time.Time) func(*policyv1.PodDisruptionBudget) {
	return func(p *policyv1.PodDisruptionBudget) {
		p.Status.DisruptedPods = map[string]metav1.Time{}
		for name, at := range pods {
			p.Status.DisruptedPods[name] = metav1.NewTime(at)
		}
	}
}

func generation(spec, observed int64) func(*policyv1.PodDisruptionBudget) {
	return func(p *policyv1.PodDisruptionBudget) { p.Generation, p.Status.ObservedGeneration = spec, observed }
}

func withStatus(s policyv1.PodDisruptionBudgetStatus) func(*policyv1.PodDisruptionBudget) {
	return func(p *policyv1.PodDisruptionBudget) { p.Status = s }
}

func replicas(n int32) *int32 { return &n }

func newRC(name string, n int32) *corev1.ReplicationController {
	return &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID("uid-" + name)},
		Spec:       corev1.ReplicationControllerSpec{Replicas: replicas(n)},
	}
}

func newRS(name string, n int32, owner ...metav1.OwnerReference) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID("uid-" + name), OwnerReferences: owner},
		Spec:       appsv1.ReplicaSetSpec{Replicas: replicas(n)},
	}
}

func newDeployment(name string, n int32) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID("uid-" + name)},
		Spec:       appsv1.DeploymentSpec{Replicas: replicas(n)},
	}
}

func newStatefulSet(name string, n int32) *appsv1.StatefulSet {
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID("uid-" + name)},
		Spec:       appsv1.StatefulSetSpec{Replicas: replicas(n)},
	}
}
