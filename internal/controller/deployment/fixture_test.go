package deployment

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

// t0 is the fake clock's start.
var t0 = time.Date(2026, time.March, 4, 10, 0, 0, 0, time.UTC)

const ns = "ns"

// fixture is a Controller over a fake clientset whose informer caches are
// filled by hand from the clientset (refresh), so each test drives
// syncDeployment directly, one sync at a time.
type fixture struct {
	t       *testing.T
	client  *fake.Clientset
	factory informers.SharedInformerFactory
	clock   *clocktesting.FakeClock
	events  *record.FakeRecorder
	c       *Controller
}

func newFixture(t *testing.T, objs ...runtime.Object) *fixture {
	t.Helper()
	f := &fixture{
		t:      t,
		client: fake.NewClientset(objs...),
		clock:  clocktesting.NewFakeClock(t0),
		events: record.NewFakeRecorder(100),
	}
	f.factory = informers.NewSharedInformerFactory(f.client, 0)
	c, err := New(f.client, f.factory, f.events, f.clock, Options{
		NewRateLimiter: func() workqueue.TypedRateLimiter[string] { return &workqueue.TypedBucketRateLimiter[string]{} },
		Log:            slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.queue.ShutDown)
	f.c = c
	f.refresh()
	return f
}

// refresh replaces the informer caches with the clientset's objects.
func (f *fixture) refresh() {
	f.t.Helper()
	ctx := f.t.Context()
	ds, err := f.client.AppsV1().Deployments("").List(ctx, metav1.ListOptions{})
	f.must(err)
	rss, err := f.client.AppsV1().ReplicaSets("").List(ctx, metav1.ListOptions{})
	f.must(err)
	pods, err := f.client.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	f.must(err)
	replace(f.t, f.factory.Apps().V1().Deployments().Informer().GetIndexer(), ds.Items)
	replace(f.t, f.factory.Apps().V1().ReplicaSets().Informer().GetIndexer(), rss.Items)
	replace(f.t, f.factory.Core().V1().Pods().Informer().GetIndexer(), pods.Items)
}

func replace[T any](t *testing.T, indexer cache.Indexer, items []T) {
	t.Helper()
	objs := make([]any, len(items))
	for i := range items {
		objs[i] = &items[i]
	}
	if err := indexer.Replace(objs, ""); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// sync runs one sync of ns/name against fresh caches and fails on error.
func (f *fixture) sync(name string) {
	f.t.Helper()
	f.refresh()
	f.must(f.c.syncDeployment(f.t.Context(), ns+"/"+name))
}

func (f *fixture) deployment(name string) *appsv1.Deployment {
	f.t.Helper()
	d, err := f.client.AppsV1().Deployments(ns).Get(f.t.Context(), name, metav1.GetOptions{})
	f.must(err)
	return d
}

func (f *fixture) update(d *appsv1.Deployment) {
	f.t.Helper()
	d.Generation++
	_, err := f.client.AppsV1().Deployments(ns).Update(f.t.Context(), d, metav1.UpdateOptions{})
	f.must(err)
}

// replicaSets lists the ReplicaSets oldest first.
func (f *fixture) replicaSets() []*appsv1.ReplicaSet {
	f.t.Helper()
	list, err := f.client.AppsV1().ReplicaSets(ns).List(f.t.Context(), metav1.ListOptions{})
	f.must(err)
	var out []*appsv1.ReplicaSet
	for i := range list.Items {
		out = append(out, &list.Items[i])
	}
	slices.SortFunc(out, byRevision)
	return out
}

// setRSStatus plays the ReplicaSet controller: every replica of rs exists
// and the first available ones are available.
func (f *fixture) setRSStatus(name string, available int32) {
	f.t.Helper()
	rs, err := f.client.AppsV1().ReplicaSets(ns).Get(f.t.Context(), name, metav1.GetOptions{})
	f.must(err)
	rs.Status = appsv1.ReplicaSetStatus{
		Replicas: rsReplicas(rs), ReadyReplicas: available, AvailableReplicas: available,
		ObservedGeneration: rs.Generation, TerminatingReplicas: ptr.To[int32](0),
	}
	_, err = f.client.AppsV1().ReplicaSets(ns).UpdateStatus(f.t.Context(), rs, metav1.UpdateOptions{})
	f.must(err)
}

// takeEvents drains the recorded events.
func (f *fixture) takeEvents() []string {
	var out []string
	for {
		select {
		case e := <-f.events.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

type deploymentOption func(*appsv1.Deployment)

func newDeployment(name string, replicas int32, opts ...deploymentOption) *appsv1.Deployment {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID(name + "-uid"), Generation: 1},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx:1"}}},
			},
			Strategy: appsv1.DeploymentStrategy{
				Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxSurge: ptr.To(intstr.FromString("25%")), MaxUnavailable: ptr.To(intstr.FromString("25%")),
				},
			},
			RevisionHistoryLimit:    ptr.To[int32](10),
			ProgressDeadlineSeconds: ptr.To[int32](600),
		},
	}
	for _, o := range opts {
		o(d)
	}
	return d
}

func withImage(image string) deploymentOption {
	return func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = image }
}

func withFenceposts(surge, unavailable intstr.IntOrString) deploymentOption {
	return func(d *appsv1.Deployment) {
		d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable}
	}
}

func recreate(d *appsv1.Deployment) {
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
}

// replicaSetFor is the ReplicaSet d would own for its current template,
// with revision rev, size replicas, all of them available, created at
// t0+rev seconds.
func replicaSetFor(d *appsv1.Deployment, rev int, replicas int32) *appsv1.ReplicaSet {
	rs, err := buildNewReplicaSet(d, nil, int64(rev))
	if err != nil {
		panic(err)
	}
	rs.UID = types.UID(rs.Name + "-uid")
	rs.CreationTimestamp = metav1.NewTime(t0.Add(time.Duration(rev) * time.Second))
	rs.Spec.Replicas = ptr.To(replicas)
	setReplicasAnnotations(rs, desiredReplicas(d), desiredReplicas(d)+maxSurge(d))
	rs.Status = appsv1.ReplicaSetStatus{Replicas: replicas, ReadyReplicas: replicas, AvailableReplicas: replicas, TerminatingReplicas: ptr.To[int32](0)}
	return rs
}

func sizes(rss []*appsv1.ReplicaSet) string {
	var parts []string
	for _, rs := range rss {
		parts = append(parts, fmt.Sprintf("r%s=%d", rs.Annotations[RevisionAnnotation], rsReplicas(rs)))
	}
	return strings.Join(parts, " ")
}
