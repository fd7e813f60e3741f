package statefulset_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/component"
	"github.com/evictd/evictd/internal/controller/statefulset"
	"github.com/evictd/evictd/pkg/testserver"
)

// startController runs the StatefulSet component against an evictd with
// no controllers, scheduler or kubelets: the test plays the kubelet.
func startController(t *testing.T) kubernetes.Interface {
	t.Helper()
	srv := testserver.StartWith(t, testserver.Options{WithoutControllers: true})
	cc, err := component.NewContext(srv.RESTConfig(), component.Options{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		component.Run(ctx, cc, []component.Component{statefulset.Component()})
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return cc.Client
}

// eventually polls cond every 20 ms for up to 15 s: the test waits for
// informers and API round trips, never for a timer.
func eventually(t *testing.T, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(t.Context(), 20*time.Millisecond, 15*time.Second, true, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// runReady does the kubelet's part: the pod is Running and Ready.
func runReady(t *testing.T, client kubernetes.Interface, ns, name string) {
	t.Helper()
	pod, err := client.CoreV1().Pods(ns).Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := metav1.Now()
	pod.Status.Phase = corev1.PodRunning
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now}}
	if _, err := client.CoreV1().Pods(ns).UpdateStatus(t.Context(), pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func exists(ctx context.Context, client kubernetes.Interface, ns, name string) (bool, error) {
	_, err := client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

func TestOrderedReadyComesUpInOrder(t *testing.T) {
	t.Parallel()
	client := startController(t)
	const ns = "default"
	set := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    ptr.To[int32](3),
			ServiceName: "nginx",
			Selector:    &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}},
			},
		},
	}
	if _, err := client.AppsV1().StatefulSets(ns).Create(t.Context(), set, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		name := fmt.Sprintf("web-%d", i)
		eventually(t, name, func(ctx context.Context) (bool, error) { return exists(ctx, client, ns, name) })
		// Once a sync has counted this pod, the next ordinal must still be
		// missing: it waits for this one to be Ready.
		eventually(t, "status counting "+name, func(ctx context.Context) (bool, error) {
			s, err := client.AppsV1().StatefulSets(ns).Get(ctx, "web", metav1.GetOptions{})
			return err == nil && s.Status.Replicas == int32(i+1), err
		})
		if i < 2 {
			next := fmt.Sprintf("web-%d", i+1)
			if ok, _ := exists(t.Context(), client, ns, next); ok {
				t.Fatalf("%s created before %s was Ready", next, name)
			}
		}
		pod, err := client.CoreV1().Pods(ns).Get(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		checkIdentity(t, pod, i)
		runReady(t, client, ns, name)
	}
	eventually(t, "status", func(ctx context.Context) (bool, error) {
		s, err := client.AppsV1().StatefulSets(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		st := s.Status
		return st.ObservedGeneration == s.Generation && st.Replicas == 3 && st.ReadyReplicas == 3 &&
			st.AvailableReplicas == 3 && st.CurrentReplicas == 3 && st.UpdatedReplicas == 3 &&
			st.CurrentRevision != "" && st.CurrentRevision == st.UpdateRevision, nil
	})
	revs, err := client.AppsV1().ControllerRevisions(ns).List(t.Context(), metav1.ListOptions{})
	if err != nil || len(revs.Items) != 1 {
		t.Fatalf("ControllerRevisions = %v, %v; want one", revs, err)
	}
}

func checkIdentity(t *testing.T, pod *corev1.Pod, ordinal int) {
	t.Helper()
	want := map[string]string{
		appsv1.StatefulSetPodNameLabel: pod.Name,
		appsv1.PodIndexLabel:           fmt.Sprint(ordinal),
	}
	for k, v := range want {
		if pod.Labels[k] != v {
			t.Errorf("%s label %s = %q, want %q", pod.Name, k, pod.Labels[k], v)
		}
	}
	if pod.Spec.Hostname != pod.Name || pod.Spec.Subdomain != "nginx" {
		t.Errorf("%s hostname %q subdomain %q", pod.Name, pod.Spec.Hostname, pod.Spec.Subdomain)
	}
	if ref := metav1.GetControllerOf(pod); ref == nil || ref.Kind != "StatefulSet" || ref.Name != "web" {
		t.Errorf("%s controller = %v", pod.Name, ref)
	}
	if pod.Labels[appsv1.StatefulSetRevisionLabel] == "" {
		t.Errorf("%s has no controller-revision-hash", pod.Name)
	}
}
