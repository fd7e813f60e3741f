package e2e

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
)

// TestDrain: `kubectl drain` cordons the node, ignores the DaemonSet pod,
// evicts both pods of a budget that allows one disruption, prints its
// "Cannot evict pod as it would violate the pod's disruption budget" retry
// line for the second, and finishes once a replacement pod is Ready
// elsewhere (as a ReplicaSet's would be). The disruption controller runs
// inside serve and keeps the budget true throughout.
func TestDrain(t *testing.T) {
	withEachKubectl(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		for _, n := range []string{"n1", "n2"} {
			if _, err := e.client.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n}}, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		ds := daemonSet(t, e)
		e.readyPod(t, "kube-system", "ds1-xyz", "n1", "DaemonSet", ds.Name, ds.UID)
		e.readyPod(t, "default", "web-a", "n1", "ReplicaSet", "web", "0b8e1f5c-1d2e-4f3a-9b8c-7d6e5f4a3b2c")
		e.readyPod(t, "default", "web-b", "n1", "ReplicaSet", "web", "0b8e1f5c-1d2e-4f3a-9b8c-7d6e5f4a3b2c")
		e.readyPod(t, "default", "web-c", "n2", "ReplicaSet", "web", "0b8e1f5c-1d2e-4f3a-9b8c-7d6e5f4a3b2c")
		two := intstr.FromInt32(2)
		if _, err := e.client.PolicyV1().PodDisruptionBudgets("default").Create(ctx, &policyv1.PodDisruptionBudget{
			ObjectMeta: metav1.ObjectMeta{Name: "web"},
			Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: &two, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		e.waitForAllowed(t, "web", 1)

		drain := e.start(t, "drain", "n1", "--ignore-daemonsets", "--timeout=90s")
		drain.expectStderr(t, `^Warning: ignoring DaemonSet-managed Pods: kube-system/ds1-xyz$`)
		drain.expectStderr(t, `^error when evicting pods/"web-[ab]" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\.$`)
		// The first eviction went through; a ReplicaSet would now replace it.
		e.readyPod(t, "default", "web-d", "n2", "ReplicaSet", "web", "0b8e1f5c-1d2e-4f3a-9b8c-7d6e5f4a3b2c")
		res := drain.wait(t, 0)
		wantLine(t, res.stdout, `^node/n1 cordoned$`)
		wantLine(t, res.stdout, `^pod/web-a evicted$`)
		wantLine(t, res.stdout, `^pod/web-b evicted$`)
		wantLine(t, res.stdout, `^node/n1 drained$`)

		if !e.node(t, "n1").Spec.Unschedulable {
			t.Error("n1 is not cordoned")
		}
		left, err := e.client.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=n1"})
		if err != nil {
			t.Fatal(err)
		}
		if len(left.Items) != 1 || left.Items[0].Name != "ds1-xyz" {
			t.Errorf("pods left on n1: %v, want only the DaemonSet's", names(left.Items))
		}
	})
}

func names(pods []corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Namespace+"/"+p.Name)
	}
	return out
}

// readyPod creates a Running, Ready pod on node owned by a controller, with
// no grace period: without a kubelet, an evicted pod must end at once.
func (e *env) readyPod(t *testing.T, ns, name, node, ownerKind, owner string, uid types.UID) {
	t.Helper()
	ctx := context.Background()
	yes, zero := true, int64(0)
	apiVersion := "apps/v1"
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app": "web"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: apiVersion, Kind: ownerKind, Name: owner, UID: uid, Controller: &yes}}},
		Spec: corev1.PodSpec{NodeName: node, TerminationGracePeriodSeconds: &zero, Containers: []corev1.Container{{Name: "c", Image: "nginx"}}},
	}
	if ownerKind == "DaemonSet" {
		p.Labels = map[string]string{"app": "ds1"}
	}
	p, err := e.client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	if _, err := e.client.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func daemonSet(t *testing.T, e *env) *appsv1.DaemonSet {
	t.Helper()
	labels := map[string]string{"app": "ds1"}
	ds, err := e.client.AppsV1().DaemonSets("kube-system").Create(t.Context(), &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "ds1"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "agent"}}}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// waitForAllowed waits for the disruption controller's status.
func (e *env) waitForAllowed(t *testing.T, name string, allowed int32) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		pdb, err := e.client.PolicyV1().PodDisruptionBudgets("default").Get(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if pdb.Status.ObservedGeneration == pdb.Generation && pdb.Status.DisruptionsAllowed == allowed {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("budget %s status %+v, want %d allowed", name, pdb.Status, allowed)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
