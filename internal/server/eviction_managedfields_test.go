package server_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestEvictionLeavesManagedFieldsAlone checks that the DisruptionTarget
// condition an eviction stamps is written as upstream writes it, through
// the pod status registry and not a request handler: it appears in the
// status, and managedFields stay exactly as the pod's own writers left
// them.
func TestEvictionLeavesManagedFieldsAlone(t *testing.T) {
	t.Parallel()
	eachBackend(t, testEvictionLeavesManagedFieldsAlone)
}

func testEvictionLeavesManagedFieldsAlone(t *testing.T, backend string) {
	srv := startServer(t, backend, false)
	client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
	ctx := t.Context()
	pod := testPod("web")
	pod.Spec.NodeName = "n1" // bound, so the graceful delete keeps it terminating
	pod, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{FieldManager: "creator"})
	if err != nil {
		t.Fatal(err)
	}
	pod.Status.Phase = corev1.PodRunning
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	if pod, err = client.CoreV1().Pods("default").UpdateStatus(ctx, pod, metav1.UpdateOptions{FieldManager: "kubelet"}); err != nil {
		t.Fatal(err)
	}
	before := pod.ManagedFields
	if len(before) != 2 {
		t.Fatalf("managedFields before the eviction: %d entries, want the creator's and the kubelet's: %+v", len(before), before)
	}
	if err := client.PolicyV1().Evictions("default").Evict(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}}); err != nil {
		t.Fatal(err)
	}
	after, err := client.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if after.DeletionTimestamp == nil {
		t.Fatal("the evicted pod has no deletionTimestamp")
	}
	var stamped bool
	for _, c := range after.Status.Conditions {
		stamped = stamped || (c.Type == corev1.DisruptionTarget && c.Status == corev1.ConditionTrue && c.Reason == "EvictionByEvictionAPI")
	}
	if !stamped {
		t.Fatalf("no DisruptionTarget condition: %+v", after.Status.Conditions)
	}
	if diff := cmp.Diff(before, after.ManagedFields); diff != "" {
		t.Errorf("the eviction changed managedFields (-before +after):\n%s", diff)
	}
}
