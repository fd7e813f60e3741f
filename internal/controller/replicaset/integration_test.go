package replicaset_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/component"
	"github.com/evictd/evictd/internal/controller/replicaset"
	"github.com/evictd/evictd/pkg/testserver"
)

// cluster is an evictd without controllers plus our two components.
type cluster struct {
	client kubernetes.Interface
}

func startCluster(tb testing.TB) *cluster {
	tb.Helper()
	srv := testserver.StartWith(tb, testserver.Options{WithoutControllers: true})
	cfg := srv.RESTConfig()
	// Creating a thousand pods at client-go's default 5 qps would measure
	// the client's rate limiter, not the controller.
	cfg.QPS, cfg.Burst = 1000, 2000
	cc, err := component.NewContext(cfg, component.Options{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		component.Run(ctx, cc, []component.Component{replicaset.Component(), replicaset.ReplicationControllerComponent()})
	}()
	tb.Cleanup(func() {
		cancel()
		<-done
	})
	return &cluster{client: cc.Client}
}

func (c *cluster) namespace(tb testing.TB, name string) {
	tb.Helper()
	_, err := c.client.CoreV1().Namespaces().Create(tb.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		tb.Fatal(err)
	}
}

// eventually polls cond every 20 ms for up to 15 s (informers, not
// timers, are what the test waits for).
func eventually(tb testing.TB, what string, cond func(ctx context.Context) (bool, error)) {
	tb.Helper()
	err := wait.PollUntilContextTimeout(tb.Context(), 20*time.Millisecond, 15*time.Second, true, cond)
	if err != nil {
		tb.Fatalf("waiting for %s: %v", what, err)
	}
}

func template(app string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": app}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "img"}}},
	}
}

func newReplicaSet(ns, name string, n int32) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr.To(n),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: template(name),
		},
	}
}

// podsOf splits the pods controlled by uid into active and terminating.
func (c *cluster) podsOf(ctx context.Context, ns string, uid string) (active, terminating []corev1.Pod, err error) {
	list, err := c.client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, nil, err
	}
	for _, p := range list.Items {
		if ref := metav1.GetControllerOf(&p); ref == nil || string(ref.UID) != uid {
			continue
		}
		if p.DeletionTimestamp != nil {
			terminating = append(terminating, p)
		} else {
			active = append(active, p)
		}
	}
	return active, terminating, nil
}

func names(pods []corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	slices.Sort(out)
	return out
}

// bind puts pod on node and, when ready, marks it Running and Ready.
func (c *cluster) bind(tb testing.TB, pod corev1.Pod, node string, ready bool) {
	tb.Helper()
	ctx := tb.Context()
	err := c.client.CoreV1().Pods(pod.Namespace).Bind(ctx, &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name}, Target: corev1.ObjectReference{Kind: "Node", Name: node},
	}, metav1.CreateOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	p, err := c.client.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	p.Status.Phase = corev1.PodRunning
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: status, LastTransitionTime: metav1.Now()}}
	if _, err := c.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		tb.Fatal(err)
	}
}

func TestReplicaSetAgainstAnAPIServer(t *testing.T) {
	t.Parallel()
	c := startCluster(t)
	ctx := t.Context()
	c.namespace(t, "it")
	rs, err := c.client.AppsV1().ReplicaSets("it").Create(ctx, newReplicaSet("it", "web", 3), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	uid := string(rs.UID)
	var active []corev1.Pod
	eventually(t, "3 pods", func(ctx context.Context) (bool, error) {
		var err error
		active, _, err = c.podsOf(ctx, "it", uid)
		return len(active) == 3, err
	})
	for _, p := range active {
		if ref := metav1.GetControllerOf(&p); ref.Kind != "ReplicaSet" || !*ref.BlockOwnerDeletion || p.GenerateName != "web-" {
			t.Errorf("pod %s: generateName %q, controller ref %+v", p.Name, p.GenerateName, ref)
		}
	}
	keep, victim, notReady := active[0], active[1], active[2]
	c.bind(t, keep, "node-a", true)
	c.bind(t, victim, "node-a", true)
	c.bind(t, notReady, "node-b", false)

	// A graceful delete of a bound pod only sets its deletionTimestamp;
	// the replacement must not wait for the kubelet.
	if err := c.client.CoreV1().Pods("it").Delete(ctx, victim.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	var replacement corev1.Pod
	eventually(t, "a replacement while the victim terminates", func(ctx context.Context) (bool, error) {
		active, terminating, err := c.podsOf(ctx, "it", uid)
		if err != nil || len(active) != 3 || len(terminating) != 1 || terminating[0].Name != victim.Name {
			return false, err
		}
		for _, p := range active {
			if p.Name != keep.Name && p.Name != notReady.Name {
				replacement = p
			}
		}
		return true, nil
	})
	eventually(t, "status with terminatingReplicas", func(ctx context.Context) (bool, error) {
		rs, err := c.client.AppsV1().ReplicaSets("it").Get(ctx, "web", metav1.GetOptions{})
		s := rs.Status
		return err == nil && s.Replicas == 3 && s.ReadyReplicas == 1 && s.AvailableReplicas == 1 &&
			ptr.Deref(s.TerminatingReplicas, -1) == 1 && s.ObservedGeneration == rs.Generation, err
	})

	// kubectl scale: through the scale subresource.
	scale, err := c.client.AppsV1().ReplicaSets("it").GetScale(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scale.Spec.Replicas = 1
	if _, err := c.client.AppsV1().ReplicaSets("it").UpdateScale(ctx, "web", scale, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Rank order: the unassigned replacement, then the not-Ready pod; the
	// Ready one stays.
	eventually(t, "scale-down to the Ready pod", func(ctx context.Context) (bool, error) {
		active, _, err := c.podsOf(ctx, "it", uid)
		return err == nil && len(active) == 1 && active[0].Name == keep.Name, err
	})
	checkDeleteEvents(t, c, "it", replacement.Name, notReady.Name)
}

// checkDeleteEvents waits for SuccessfulDelete events naming exactly pods.
func checkDeleteEvents(t *testing.T, c *cluster, ns string, pods ...string) {
	t.Helper()
	want := make([]string, len(pods))
	for i, p := range pods {
		want[i] = "Deleted pod: " + p
	}
	slices.Sort(want)
	eventually(t, fmt.Sprintf("events %v", want), func(ctx context.Context) (bool, error) {
		list, err := c.client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		var got []string
		for _, e := range list.Items {
			if e.Reason == "SuccessfulDelete" && e.Source.Component == replicaset.EventComponent {
				got = append(got, e.Message)
			}
		}
		slices.Sort(got)
		return slices.Equal(got, want), nil
	})
}

func TestReplicationControllerAgainstAnAPIServer(t *testing.T) {
	t.Parallel()
	c := startCluster(t)
	c.namespace(t, "rc")
	rc := &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Namespace: "rc", Name: "old"},
		Spec: corev1.ReplicationControllerSpec{
			Replicas: ptr.To[int32](2), Selector: map[string]string{"app": "old"}, Template: ptr.To(template("old")),
		},
	}
	rc, err := c.client.CoreV1().ReplicationControllers("rc").Create(t.Context(), rc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "2 pods and the RC status", func(ctx context.Context) (bool, error) {
		active, _, err := c.podsOf(ctx, "rc", string(rc.UID))
		if err != nil || len(active) != 2 {
			return false, err
		}
		got, err := c.client.CoreV1().ReplicationControllers("rc").Get(ctx, "old", metav1.GetOptions{})
		return err == nil && got.Status.Replicas == 2 && got.Status.ObservedGeneration == got.Generation, err
	})
}

// BenchmarkCreate1000Pods: 100 ReplicaSets of 10 replicas each, timed
// until all 1,000 pods exist.
func BenchmarkCreate1000Pods(b *testing.B) {
	if testing.Short() {
		b.Skip("starts an API server and creates 1,000 pods")
	}
	c := startCluster(b)
	for i := 0; b.Loop(); i++ {
		ns := fmt.Sprintf("bench-%d", i)
		c.namespace(b, ns)
		for j := range 100 {
			if _, err := c.client.AppsV1().ReplicaSets(ns).Create(b.Context(), newReplicaSet(ns, fmt.Sprintf("rs-%d", j), 10), metav1.CreateOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		// Listing 1,000 pods is work for the server too: poll gently.
		err := wait.PollUntilContextTimeout(b.Context(), 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			list, err := c.client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
			return err == nil && len(list.Items) == 1000, err
		})
		if err != nil {
			b.Fatalf("waiting for 1,000 pods: %v", err)
		}
	}
}
