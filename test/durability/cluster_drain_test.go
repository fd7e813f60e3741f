package durability

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/drain"
)

// The whole simulated cluster: serve's three nodes, every controller, a
// Deployment of webReplicas spread over them by the scheduler, and a
// budget that keeps webMinAvailable of them, so that a drain evicts one
// pod at a time and waits for its replacement to be Ready elsewhere.
const (
	webReplicas     = 6
	webMinAvailable = 5
	drainedNode     = "node-1"
	// clusterDrainTimeout bounds the drain after the restart: two
	// replacements to start and become Ready, on a loaded machine.
	clusterDrainTimeout = 60 * time.Second
)

// TestKillMidClusterDrainEtcdEmbedded kills `serve --storage=etcd-embedded`
// (three simulated nodes, every controller) with SIGKILL once a drain of
// node-1 has evicted its first pod, restarts it, and drains the node
// again, as its user would. Following every change of the Deployment's
// pods in revision order across the kill, it checks that the Ready pods
// never fell below the budget's minAvailable, that the drain finished,
// and that the pods evicted are exactly those node-1 held.
func TestKillMidClusterDrainEtcdEmbedded(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dirs, listen := newServeDirs(t), freeListen(t)
	flags := []string{"--storage=etcd-embedded"}
	first := startServe(t, listen, dirs, flags...)
	client := kubernetes.NewForConfigOrDie(first.config)
	onNode := createWorkload(ctx, t, client)
	g := startGuard(ctx, t, client, "app=web")

	d := startDrain(ctx, client, drainedNode)
	err := wait.PollUntilContextTimeout(ctx, 2*time.Millisecond, waitTimeout, true, func(context.Context) (bool, error) {
		evicted, _ := d.progress()
		return evicted > 0, nil
	})
	if err != nil {
		t.Fatalf("the drain evicted nothing: %v", err)
	}
	first.kill(t)
	d.stop()
	startServe(t, listen, dirs, flags...)

	opts := drain.DefaultOptions()
	opts.IgnoreDaemonSets, opts.Timeout = true, clusterDrainTimeout
	if err := drain.New(client, opts).Run(ctx, []string{drainedNode}).Err(); err != nil {
		t.Fatalf("drain after the restart: %v", err)
	}
	waitAvailable(ctx, t, client)
	minReady, disrupted := g.result()
	if minReady < webMinAvailable {
		t.Errorf("%d pods Ready at one revision; the budget keeps %d", minReady, webMinAvailable)
	}
	for uid, name := range onNode {
		if _, ok := disrupted[uid]; !ok {
			t.Errorf("pod %s on %s was not evicted", name, drainedNode)
		}
	}
	for uid, name := range disrupted {
		if _, ok := onNode[uid]; !ok {
			t.Errorf("pod %s was evicted, but was not on %s", name, drainedNode)
		}
	}
	t.Logf("%d pods evicted from %s across the kill; at least %d of %d Ready at every revision", len(disrupted), drainedNode, minReady, webReplicas)
}

// createWorkload creates the Deployment and its budget, waits until every
// replica is available and the budget processed, and returns the pods on
// drainedNode.
func createWorkload(ctx context.Context, t *testing.T, client kubernetes.Interface) map[types.UID]string {
	t.Helper()
	if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app": "web"}
	replicas, grace := int32(webReplicas), int64(10)
	_, err := client.AppsV1().Deployments(namespace).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: map[string]string{
					"sim.evictd.io/ready-after": "500ms", "sim.evictd.io/shutdown-after": "500ms"}},
				Spec: corev1.PodSpec{TerminationGracePeriodSeconds: &grace,
					Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
			}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	keep := intstr.FromInt32(webMinAvailable)
	if _, err := client.PolicyV1().PodDisruptionBudgets(namespace).Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: &keep, Selector: &metav1.LabelSelector{MatchLabels: labels}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitAvailable(ctx, t, client)
	pods, err := client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	onNode := map[types.UID]string{}
	for _, pod := range pods.Items {
		if pod.Spec.NodeName == drainedNode {
			onNode[pod.UID] = pod.Name
		}
	}
	if len(onNode) == 0 {
		t.Fatalf("no pod of the Deployment on %s", drainedNode)
	}
	return onNode
}

// waitAvailable waits until every replica is available and the budget,
// processed, allows one disruption.
func waitAvailable(ctx context.Context, t *testing.T, client kubernetes.Interface) {
	t.Helper()
	var dep *appsv1.Deployment
	var pdb *policyv1.PodDisruptionBudget
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, clusterDrainTimeout, true, func(ctx context.Context) (bool, error) {
		var err error
		if dep, err = client.AppsV1().Deployments(namespace).Get(ctx, "web", metav1.GetOptions{}); err != nil {
			return false, err
		}
		if pdb, err = client.PolicyV1().PodDisruptionBudgets(namespace).Get(ctx, "web", metav1.GetOptions{}); err != nil {
			return false, err
		}
		return dep.Status.AvailableReplicas == webReplicas && dep.Status.Replicas == webReplicas &&
			pdb.Status.ObservedGeneration == pdb.Generation && pdb.Status.DisruptionsAllowed == webReplicas-webMinAvailable, nil
	})
	if err != nil {
		t.Fatalf("deployment web not available (%+v) or budget not settled (%+v): %v", dep.Status, pdb.Status, err)
	}
}
