package scheduler_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/component"
	"github.com/evictd/evictd/internal/scheduler"
	"github.com/evictd/evictd/pkg/testserver"
)

// cluster is an evictd without controllers, where the test runs the
// scheduler and nothing else.
type cluster struct {
	t      testing.TB
	cc     *component.Context
	client kubernetes.Interface
}

// newCluster starts evictd without controllers.
func newCluster(t testing.TB) *cluster {
	t.Helper()
	srv := testserver.StartWith(t, testserver.Options{WithoutControllers: true})
	cfg := srv.RESTConfig()
	cfg.QPS, cfg.Burst = -1, -1 // thousands of bindings: no client-side rate limit
	cc, err := component.NewContext(cfg, component.Options{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return &cluster{t: t, cc: cc, client: cc.Client}
}

// startCluster starts evictd and the scheduler.
func startCluster(t testing.TB) *cluster {
	c := newCluster(t)
	c.startScheduler()
	return c
}

// startScheduler runs the scheduler component until the test ends.
func (c *cluster) startScheduler() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		component.Run(ctx, c.cc, []component.Component{scheduler.Component()})
	}()
	c.t.Cleanup(func() {
		cancel()
		<-done
	})
}

// addNode creates a Ready node with the given cpu and pod capacity, in zone.
func (c *cluster) addNode(name, zone, cpu string, maxPods int) {
	c.t.Helper()
	ctx := context.Background()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
		corev1.LabelHostname: name, corev1.LabelTopologyZone: zone,
	}}}
	created, err := c.client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse(cpu),
		corev1.ResourceMemory: resource.MustParse("64Gi"),
		corev1.ResourcePods:   *resource.NewQuantity(int64(maxPods), resource.DecimalSI),
	}
	created.Status = corev1.NodeStatus{
		Capacity:    capacity,
		Allocatable: capacity,
		Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady"}},
	}
	if _, err := c.client.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		c.t.Fatal(err)
	}
}

// replicaPod is a pod of a ReplicaSet-like owner asking for cpu and, when
// hostPort is set, that host port.
func replicaPod(name string, owner types.UID, cpu string, hostPort int32) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "web"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web", UID: owner, Controller: new(true)}}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "app", Image: "nginx",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}},
			Ports:     hostPorts(hostPort),
		}}},
	}
}

func hostPorts(port int32) []corev1.ContainerPort {
	if port == 0 {
		return nil
	}
	return []corev1.ContainerPort{{ContainerPort: 80, HostPort: port}}
}

func (c *cluster) create(pods ...*corev1.Pod) {
	c.t.Helper()
	for _, p := range pods {
		if _, err := c.client.CoreV1().Pods(p.Namespace).Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
			c.t.Fatal(err)
		}
	}
}

// waitBound waits until n pods of the default namespace are bound and
// returns the count per node.
func (c *cluster) waitBound(n int, timeout time.Duration) map[string]int {
	c.t.Helper()
	var perNode map[string]int
	err := wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		pods, err := c.client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		perNode = map[string]int{}
		bound := 0
		for _, p := range pods.Items {
			if p.Spec.NodeName != "" {
				perNode[p.Spec.NodeName]++
				bound++
			}
		}
		return bound >= n, nil
	})
	if err != nil {
		c.t.Fatalf("waiting for %d bound pods (have %v): %v", n, perNode, err)
	}
	return perNode
}

func TestSchedulerSpreadsReplicasAndNeverSharesAHostPort(t *testing.T) {
	t.Parallel()
	c := startCluster(t)
	for i := range 3 {
		c.addNode(fmt.Sprintf("node-%d", i+1), fmt.Sprintf("zone-%c", 'a'+i), "8", 110)
	}
	var pods []*corev1.Pod
	for i := range 9 {
		pods = append(pods, replicaPod(fmt.Sprintf("web-%d", i), "rs-web", "100m", 0))
	}
	for i := range 3 {
		pods = append(pods, replicaPod(fmt.Sprintf("port-%d", i), "rs-port", "100m", 8080))
	}
	c.create(pods...)
	perNode := c.waitBound(len(pods), 10*time.Second)
	for node, n := range perNode {
		if n != 4 {
			t.Errorf("node %s has %d pods, want 4 each (3 web + 1 port): %v", node, n, perNode)
		}
	}

	// A fourth pod asking for the same host port fits nowhere.
	c.create(replicaPod("port-3", "rs-port", "100m", 8080))
	cond := c.waitCondition("port-3")
	want := "0/3 nodes are available: 3 node(s) didn't have free ports for the requested pod ports. " +
		"preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.."
	if cond.Reason != "Unschedulable" || cond.Message != want {
		t.Errorf("PodScheduled = %s %q, want Unschedulable %q", cond.Reason, cond.Message, want)
	}
	if ev := c.waitEvent("port-3", "FailedScheduling"); ev.Type != corev1.EventTypeWarning || ev.Message != want || ev.Source.Component != "default-scheduler" {
		t.Errorf("event = %s %q from %q, want a Warning with the message from default-scheduler", ev.Type, ev.Message, ev.Source.Component)
	}
	if ev := c.waitEvent("port-0", "Scheduled"); ev.Type != corev1.EventTypeNormal || !strings.HasPrefix(ev.Message, "Successfully assigned default/port-0 to node-") {
		t.Errorf("event = %s %q, want Normal \"Successfully assigned default/port-0 to node-…\"", ev.Type, ev.Message)
	}
}

// waitEvent waits for an event with reason about the pod.
func (c *cluster) waitEvent(pod, reason string) corev1.Event {
	c.t.Helper()
	var got corev1.Event
	err := wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		events, err := c.client.CoreV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=" + pod})
		if err != nil {
			return false, err
		}
		for _, ev := range events.Items {
			if ev.Reason == reason {
				got = ev
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		c.t.Fatalf("waiting for a %s event about %s: %v", reason, pod, err)
	}
	return got
}

// waitCondition waits for the pod's PodScheduled=False condition.
func (c *cluster) waitCondition(name string) corev1.PodCondition {
	c.t.Helper()
	var got corev1.PodCondition
	err := wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		p, err := c.client.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.PodScheduled && cond.Status == corev1.ConditionFalse {
				got = cond
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		c.t.Fatalf("waiting for PodScheduled=False on %s: %v", name, err)
	}
	return got
}
