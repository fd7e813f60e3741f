package statefulset

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

const ns = "ns"

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var podsResource = corev1.SchemeGroupVersion.WithResource("pods")

// harness is a Controller over a fake clientset, inside a synctest bubble:
// the test calls sync itself, and synctest.Wait lets the informers catch
// up with every write first. Pod creation sets phase Pending and pod
// deletion only sets deletionTimestamp, as an API server with a kubelet
// does; finish completes a deletion.
type harness struct {
	t      *testing.T
	client *fake.Clientset
	clock  *clocktesting.FakeClock
	c      *Controller
}

func newHarness(t *testing.T, objs ...runtime.Object) *harness {
	t.Helper()
	client := fake.NewClientset(objs...)
	clk := clocktesting.NewFakeClock(t0)
	client.PrependReactor("create", "pods", func(action clienttesting.Action) (bool, runtime.Object, error) {
		pod := action.(clienttesting.CreateAction).GetObject().(*corev1.Pod)
		pod.Status.Phase = corev1.PodPending
		return false, nil, nil
	})
	client.PrependReactor("delete", "pods", func(action clienttesting.Action) (bool, runtime.Object, error) {
		name := action.(clienttesting.DeleteAction).GetName()
		obj, err := client.Tracker().Get(podsResource, ns, name)
		if err != nil {
			return true, nil, err
		}
		pod := obj.(*corev1.Pod).DeepCopy()
		pod.DeletionTimestamp = &metav1.Time{Time: clk.Now()}
		return true, nil, client.Tracker().Update(podsResource, pod, ns)
	})
	factory := informers.NewSharedInformerFactory(client, 0)
	c, err := New(client, factory, record.NewFakeRecorder(1000), clk, Options{
		NewRateLimiter: func() workqueue.TypedRateLimiter[string] { return workqueue.NewTypedMaxOfRateLimiter[string]() },
		Log:            slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	factory.Start(ctx.Done())
	t.Cleanup(func() {
		cancel()
		c.queue.ShutDown()
		factory.Shutdown()
	})
	factory.WaitForCacheSync(ctx.Done())
	return &harness{t: t, client: client, clock: clk, c: c}
}

// sync runs one sync of the set once the caches have caught up.
func (h *harness) sync() {
	h.t.Helper()
	synctest.Wait()
	if err := h.c.sync(h.t.Context(), ns+"/web"); err != nil {
		h.t.Fatalf("sync: %v", err)
	}
	synctest.Wait()
}

// pods returns the names of the set's pods, "~" marking terminating ones.
func (h *harness) pods() []string {
	h.t.Helper()
	list, err := h.c.pods.Pods(ns).List(labels.Everything())
	if err != nil {
		h.t.Fatal(err)
	}
	var names []string
	for _, pod := range list {
		name := pod.Name
		if pod.DeletionTimestamp != nil {
			name = "~" + name
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func (h *harness) wantPods(want ...string) {
	h.t.Helper()
	slices.Sort(want)
	if got := h.pods(); !slices.Equal(got, want) {
		h.t.Fatalf("pods = %v, want %v", got, want)
	}
}

func (h *harness) pod(name string) *corev1.Pod {
	h.t.Helper()
	obj, err := h.client.Tracker().Get(podsResource, ns, name)
	if err != nil {
		h.t.Fatal(err)
	}
	return obj.(*corev1.Pod).DeepCopy()
}

// ready plays the kubelet: the pods are Running and Ready since now.
func (h *harness) ready(names ...string) {
	h.t.Helper()
	for _, name := range names {
		pod := h.pod(name)
		pod.Status.Phase = corev1.PodRunning
		pod.Status.Conditions = []corev1.PodCondition{{
			Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Time{Time: h.clock.Now()},
		}}
		if err := h.client.Tracker().Update(podsResource, pod, ns); err != nil {
			h.t.Fatal(err)
		}
	}
}

// finish completes the termination of a pod being deleted.
func (h *harness) finish(name string) {
	h.t.Helper()
	if err := h.client.Tracker().Delete(podsResource, ns, name); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) set() *appsv1.StatefulSet {
	h.t.Helper()
	s, err := h.client.AppsV1().StatefulSets(ns).Get(h.t.Context(), "web", metav1.GetOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

func (h *harness) updateSet(mutate func(*appsv1.StatefulSet)) {
	h.t.Helper()
	s := h.set()
	mutate(s)
	s.Generation++
	if _, err := h.client.AppsV1().StatefulSets(ns).Update(h.t.Context(), s, metav1.UpdateOptions{}); err != nil {
		h.t.Fatal(err)
	}
}

func newSet(replicas int32, policy appsv1.PodManagementPolicyType) *appsv1.StatefulSet {
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web", UID: "web-uid", Generation: 1},
		Spec: appsv1.StatefulSetSpec{
			Replicas:            ptr.To(replicas),
			PodManagementPolicy: policy,
			ServiceName:         "nginx",
			Selector:            &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "v1"}}},
			},
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{
				Type:          appsv1.RollingUpdateStatefulSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr.To[int32](0)},
			},
			RevisionHistoryLimit: ptr.To[int32](10),
		},
	}
}
