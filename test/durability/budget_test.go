package durability

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/drain"
)

// redrainTimeout bounds the drain run again after the restart: long
// enough for it to list, evict and be refused, short for the test.
const redrainTimeout = 2 * time.Second

// evictedByAPI: the pod carries the condition an accepted eviction stamps.
func evictedByAPI(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.DisruptionTarget && c.Status == corev1.ConditionTrue && c.Reason == "EvictionByEvictionAPI" {
			return true
		}
	}
	return false
}

// terminatingPods lists the budget's pods and names those with a
// deletionTimestamp.
func terminatingPods(ctx context.Context, t *testing.T, client kubernetes.Interface) (map[string]*corev1.Pod, []corev1.Pod) {
	t.Helper()
	list, err := client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	terminating := map[string]*corev1.Pod{}
	for i, pod := range list.Items {
		if pod.DeletionTimestamp != nil {
			terminating[pod.Name] = &list.Items[i]
		}
	}
	return terminating, list.Items
}

// redrain runs the drain again after the restart, as its user would after
// the crash: every pod not already terminating stays, held by the budget
// until the drain's timeout.
func redrain(ctx context.Context, t *testing.T, client kubernetes.Interface) {
	t.Helper()
	before, _ := terminatingPods(ctx, t, client)
	opts := drain.DefaultOptions()
	opts.Force, opts.Timeout = true, redrainTimeout
	report := drain.New(client, opts).Run(ctx, []string{nodeName})
	blocked := 0
	for _, p := range report.Nodes[0].Pods {
		if before[p.Name] != nil {
			continue // evicted before the kill: the drain waits for it in vain
		}
		if p.Outcome != drain.PodOutcomeBlocked || p.EvictedAt != nil {
			t.Errorf("drain after the restart: pod %s ended %s (%s), want %s", p.Name, p.Outcome, p.Error, drain.PodOutcomeBlocked)
		}
		blocked++
	}
	if blocked != budgetPods-len(before) {
		t.Errorf("drain after the restart: %d pods blocked by the budget, want the %d not terminating", blocked, budgetPods-len(before))
	}
}

// waitRefusals waits until the eviction clients have been refused by the
// budget refusalsAfter more times: they kept trying at the current state.
func waitRefusals(ctx context.Context, t *testing.T, ev *evictors) {
	t.Helper()
	_, from, _ := ev.counts()
	err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, waitTimeout, true, func(context.Context) (bool, error) {
		_, n, _ := ev.counts()
		return n >= from+refusalsAfter, nil
	})
	if err != nil {
		accepted, n, errs := ev.counts()
		t.Fatalf("the eviction clients were not refused %d more times (%v): %d refusals since %d (%s), %d pods accepted, %d other errors, the latest %v",
			refusalsAfter, err, n-from, from, ev.latencies(), len(accepted), errs, ev.lastError())
	}
}

// checkBudget is the exact invariant. spent is what the budget allowed
// over both lifetimes; every pod it let go is either terminating
// (evicted) or, if the kill fell between an eviction's budget write and
// its pod delete, still listed in status.disruptedPods, which keeps it
// out of the healthy count (for DeletionTimeout, 2 minutes: upstream's
// rule for an eviction whose delete never came). So the pods evicted are
// never more than spent, and with those pending exactly spent. It returns
// the number pending. It also waits for the disruption controller's
// status to say the same.
func checkBudget(ctx context.Context, t *testing.T, client kubernetes.Interface, spent int) (pending int) {
	t.Helper()
	terminating, pods := terminatingPods(ctx, t, client)
	for name, pod := range terminating {
		if !evictedByAPI(pod) {
			t.Errorf("pod %s is terminating without DisruptionTarget/EvictionByEvictionAPI: %+v", name, pod.Status.Conditions)
		}
	}
	pdb, err := client.PolicyV1().PodDisruptionBudgets(namespace).Get(ctx, budgetName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, pod := range pods {
		if _, ok := pdb.Status.DisruptedPods[pod.Name]; ok && pod.DeletionTimestamp == nil {
			pending++
		}
	}
	if len(terminating) > spent || len(terminating)+pending != spent {
		t.Fatalf("the budget allowed %d disruptions; %d pods were evicted and %d more are pending in status.disruptedPods",
			spent, len(terminating), pending)
	}
	if pending > 0 {
		t.Logf("%d eviction(s) cut by the kill between the budget's write and the pod's delete: pending in status.disruptedPods", pending)
	}
	err = wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, waitTimeout, true, func(ctx context.Context) (bool, error) {
		pdb, err = client.PolicyV1().PodDisruptionBudgets(namespace).Get(ctx, budgetName, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		s := pdb.Status
		return s.ObservedGeneration == pdb.Generation && s.CurrentHealthy == int32(budgetPods-spent) &&
			s.DesiredHealthy == int32(budgetPods-spent) && s.DisruptionsAllowed == 0 && s.ExpectedPods == budgetPods, nil
	})
	if err != nil {
		t.Fatalf("budget status %+v, want %d healthy of %d desired, 0 allowed: %v", pdb.Status, budgetPods-spent, budgetPods-spent, err)
	}
	return pending
}

// relaxBudget lowers minAvailable by one: once the disruption controller
// has processed it, the budget allows one more disruption.
func relaxBudget(ctx context.Context, t *testing.T, client kubernetes.Interface) {
	t.Helper()
	pdbs := client.PolicyV1().PodDisruptionBudgets(namespace)
	pdb, err := pdbs.Get(ctx, budgetName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	keep := intstr.FromInt32(minAvailable - 1)
	pdb.Spec.MinAvailable = &keep
	if _, err := pdbs.Update(ctx, pdb, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("relax the budget: %v", err)
	}
}

// waitEvicted waits until n of the budget's pods are terminating.
func waitEvicted(ctx context.Context, t *testing.T, client kubernetes.Interface, n int) {
	t.Helper()
	got := 0
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, waitTimeout, true, func(ctx context.Context) (bool, error) {
		terminating, _ := terminatingPods(ctx, t, client)
		got = len(terminating)
		return got >= n, nil
	})
	if err != nil {
		t.Fatalf("%d pods evicted, want %d: %v", got, n, err)
	}
}
