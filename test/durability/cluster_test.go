package durability

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

// The drained cluster: one node (an object only: serve runs no kubelet),
// budgetPods Ready pods on it behind one budget that keeps minAvailable of
// them. Nothing but an eviction can take a pod away: no kubelet finishes
// a terminating pod (the grace is an hour), no ReplicaSet controller
// replaces one, no pod GC collects one. So the pods with a
// deletionTimestamp at the end are every pod ever evicted.
const (
	namespace    = "durability"
	nodeName     = "node-a"
	budgetName   = "web"
	budgetPods   = 8
	minAvailable = 4
	podGrace     = int64(3600)
)

// waitTimeout bounds each wait for the server or its controller to reach
// a state.
const waitTimeout = 20 * time.Second

// podName is the i-th pod of the budget.
func podName(i int) string { return fmt.Sprintf("web-%d", i) }

// createCluster creates the namespace, the node, the Ready pods and the
// budget, and waits until the disruption controller has processed it.
func createCluster(ctx context.Context, t *testing.T, client kubernetes.Interface) {
	t.Helper()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}, metav1.CreateOptions{}))
	must(client.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: nodeName}}, metav1.CreateOptions{}))
	grace := podGrace
	for i := range budgetPods {
		pod, err := client.CoreV1().Pods(namespace).Create(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: podName(i), Labels: map[string]string{"app": budgetName}},
			Spec: corev1.PodSpec{NodeName: nodeName, TerminationGracePeriodSeconds: &grace,
				Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
		}, metav1.CreateOptions{})
		must(pod, err)
		// What a kubelet would report: running and Ready.
		pod.Status.Phase = corev1.PodRunning
		pod.Status.Conditions = []corev1.PodCondition{
			{Type: corev1.PodReady, Status: corev1.ConditionTrue},
			{Type: corev1.ContainersReady, Status: corev1.ConditionTrue},
		}
		must(client.CoreV1().Pods(namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{}))
	}
	keep := intstr.FromInt32(minAvailable)
	must(client.PolicyV1().PodDisruptionBudgets(namespace).Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: budgetName},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: &keep,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": budgetName}}},
	}, metav1.CreateOptions{}))
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, waitTimeout, true, func(ctx context.Context) (bool, error) {
		pdb, err := client.PolicyV1().PodDisruptionBudgets(namespace).Get(ctx, budgetName, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return pdb.Status.ObservedGeneration == pdb.Generation && pdb.Status.DisruptionsAllowed == budgetPods-minAvailable, nil
	})
	if err != nil {
		t.Fatalf("the disruption controller did not process budget %s: %v", budgetName, err)
	}
}
