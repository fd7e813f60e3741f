package server_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/kubectl/pkg/drain"

	"github.com/evictd/evictd/pkg/testserver"
)

// syncBuffer is a bytes.Buffer safe for the drain helper's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestDrainLibraryRetriesUntilTheBudgetAllows drives
// k8s.io/kubectl/pkg/drain, kubectl's own drain code, against evictd: two
// pods of a budget that allows one disruption share the node; the first
// eviction succeeds, the second gets 429 until a replacement pod is Ready
// elsewhere (as a ReplicaSet would make one), then drain finishes.
func TestDrainLibraryRetriesUntilTheBudgetAllows(t *testing.T) {
	t.Parallel()
	eachBackend(t, testDrainLibraryRetriesUntilTheBudgetAllows)
}

func testDrainLibraryRetriesUntilTheBudgetAllows(t *testing.T, backend string) {
	srv := testserver.StartWith(t, testserver.Options{Controllers: []string{"disruption"}, Storage: backend}) // the test plays the kubelet
	client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
	ctx := t.Context()
	for _, n := range []string{"n1", "n2"} {
		if _, err := client.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// Pods end at once when deleted (grace 0): no kubelet runs here.
	replicaPod(t, client, "web-a", "n1")
	replicaPod(t, client, "web-b", "n1")
	replicaPod(t, client, "web-c", "n2")
	budget(t, client, "web", intstr.FromInt32(2), nil)
	waitForBudget(t, client, "web", 1)

	var out, errOut syncBuffer
	var once sync.Once
	var replaced sync.WaitGroup
	defer replaced.Wait()
	drained := make(chan struct{})
	h := &drain.Helper{
		Ctx: ctx, Client: client, GracePeriodSeconds: -1, IgnoreAllDaemonSets: true,
		Timeout: time.Minute, EvictErrorRetryDelay: 200 * time.Millisecond,
		Out: &out, ErrOut: &errOut,
		OnPodDeletionOrEvictionFinished: func(pod *corev1.Pod, usingEviction bool, err error) {
			if err != nil || !usingEviction {
				t.Errorf("pod %s: usingEviction %v, err %v", pod.Name, usingEviction, err)
			}
			// The first eviction is through: a ReplicaSet would now start a
			// replacement, which becomes Ready on the other node. It waits
			// for the second eviction's 429: made at once, it could be
			// Ready before that eviction's conflict retry (500 ms) re-read
			// the budget, and the test would race the backoff.
			once.Do(func() {
				replaced.Go(func() {
					for !strings.Contains(errOut.String(), budgetRefusal) {
						select {
						case <-drained: // no 429 came: the test fails below
						case <-time.After(20 * time.Millisecond):
							continue
						}
						break
					}
					replicaPod(t, client, "web-d", "n2")
				})
			})
		},
	}
	node, err := client.CoreV1().Nodes().Get(ctx, "n1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := drain.RunCordonOrUncordon(h, node, true); err != nil {
		t.Fatalf("cordon: %v", err)
	}
	err = drain.RunNodeDrain(h, "n1")
	close(drained)
	if err != nil {
		t.Fatalf("drain: %v\nout: %s\nerr: %s", err, out.String(), errOut.String())
	}
	if !strings.Contains(errOut.String(), budgetRefusal) {
		t.Errorf("drain never reported a budget 429; stderr:\n%s", errOut.String())
	}
	pods, err := client.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=n1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) != 0 {
		t.Errorf("pods left on n1: %d", len(pods.Items))
	}
	node, err = client.CoreV1().Nodes().Get(ctx, "n1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !node.Spec.Unschedulable {
		t.Error("n1 is not cordoned")
	}
}

// budgetRefusal is what drain prints of an eviction's budget 429.
const budgetRefusal = "Cannot evict pod as it would violate the pod's disruption budget."

// replicaPod is a Ready pod of ReplicaSet web on node, deleted at once.
func replicaPod(t *testing.T, client kubernetes.Interface, name, node string) {
	t.Helper()
	ctx := context.Background()
	zero := int64(0)
	yes := true
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "web"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web", UID: "11111111-2222-3333-4444-555555555555", Controller: &yes}}},
		Spec: corev1.PodSpec{NodeName: node, TerminationGracePeriodSeconds: &zero, Containers: []corev1.Container{{Name: "c", Image: "nginx"}}},
	}
	p, err := client.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		t.Error(err)
		return
	}
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	if _, err := client.CoreV1().Pods("default").UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Error(err)
	}
}
