package daemonset_test

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/component"
	"github.com/evictd/evictd/internal/controller/daemonset"
	"github.com/evictd/evictd/pkg/testserver"
)

// startController runs the DaemonSet component against an evictd with no
// controllers, scheduler or kubelets: the test binds pods and plays the
// kubelet.
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
		component.Run(ctx, cc, []component.Component{daemonset.Component()})
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

func createNode(t *testing.T, client kubernetes.Interface, name string, taints ...corev1.Taint) {
	t.Helper()
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}},
		Spec:       corev1.NodeSpec{Taints: taints},
	}
	if _, err := client.CoreV1().Nodes().Create(t.Context(), node, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// bindAndRun does the scheduler's and the kubelet's part: bind the pod to
// the node its affinity names, then report it Running and Ready.
func bindAndRun(t *testing.T, client kubernetes.Interface, pod *corev1.Pod, node string) {
	t.Helper()
	binding := &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: node},
	}
	if err := client.CoreV1().Pods(pod.Namespace).Bind(t.Context(), binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	bound, err := client.CoreV1().Pods(pod.Namespace).Get(t.Context(), pod.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bound.Status.Phase = corev1.PodRunning
	bound.Status.Conditions = append(bound.Status.Conditions,
		corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()})
	if _, err := client.CoreV1().Pods(pod.Namespace).UpdateStatus(t.Context(), bound, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// affinityNode is the node named by the pod's metadata.name affinity term.
func affinityNode(pod *corev1.Pod) string {
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return ""
	}
	for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		for _, req := range term.MatchFields {
			if req.Key == "metadata.name" && len(req.Values) == 1 {
				return req.Values[0]
			}
		}
	}
	return ""
}

func TestOnePodPerEligibleNode(t *testing.T) {
	t.Parallel()
	client := startController(t)
	const ns = "default"
	createNode(t, client, "a")
	createNode(t, client, "b")
	// Cordoned: the daemon pods tolerate the unschedulable taint.
	createNode(t, client, "cordoned", corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule})
	createNode(t, client, "dedicated", corev1.Taint{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoSchedule})
	set := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "agent"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "agent"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "agent"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "agent"}}},
			},
		},
	}
	if _, err := client.AppsV1().DaemonSets(ns).Create(t.Context(), set, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var pods []corev1.Pod
	eventually(t, "three daemon pods", func(ctx context.Context) (bool, error) {
		list, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		pods = list.Items
		return len(pods) >= 3, nil
	})
	var nodes []string
	for i := range pods {
		pod := &pods[i]
		node := affinityNode(pod)
		nodes = append(nodes, node)
		if pod.Spec.NodeName != "" || pod.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] == "" {
			t.Errorf("pod %s: nodeName %q, labels %v; want unbound with a revision hash", pod.Name, pod.Spec.NodeName, pod.Labels)
		}
		bindAndRun(t, client, pod, node)
	}
	slices.Sort(nodes)
	if want := []string{"a", "b", "cordoned"}; !slices.Equal(nodes, want) {
		t.Fatalf("pods for nodes %v, want %v", nodes, want)
	}
	eventually(t, "status", func(ctx context.Context) (bool, error) {
		s, err := client.AppsV1().DaemonSets(ns).Get(ctx, "agent", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		st := s.Status
		return st.ObservedGeneration == s.Generation && st.DesiredNumberScheduled == 3 && st.CurrentNumberScheduled == 3 &&
			st.NumberReady == 3 && st.NumberAvailable == 3 && st.UpdatedNumberScheduled == 3 && st.NumberMisscheduled == 0, nil
	})

	// A daemon pod deleted (at once: no kubelet here) comes back.
	gone := pods[0]
	if err := client.CoreV1().Pods(ns).Delete(t.Context(), gone.Name, metav1.DeleteOptions{GracePeriodSeconds: new(int64(0))}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a replacement pod for "+affinityNode(&gone), func(ctx context.Context) (bool, error) {
		list, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, pod := range list.Items {
			if pod.Name != gone.Name && affinityNode(&pod) == affinityNode(&gone) {
				return true, nil
			}
		}
		return false, nil
	})
}
