package cli

import (
	"context"
	"io"
	"testing"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/pkg/testserver"
)

// TestControllersCommandKeepsBudgetsTrue runs `evictd controllers` against a
// server that runs none itself, as it would against a real cluster.
func TestControllersCommandKeepsBudgetsTrue(t *testing.T) {
	t.Parallel()
	srv := testserver.StartWith(t, testserver.Options{WithoutControllers: true})
	kubeconfig, err := srv.WriteKubeconfig(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int, 1)
	go func() {
		done <- Execute(ctx, []string{"controllers", "--kubeconfig", kubeconfig}, io.Discard, io.Discard)
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("controllers exited %d", code)
		}
	}()

	client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
	two := intstr.FromInt32(2)
	pdb, err := client.PolicyV1().PodDisruptionBudgets("default").Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: &two, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := client.PolicyV1().PodDisruptionBudgets("default").Get(ctx, pdb.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status.ObservedGeneration == got.Generation && got.Status.DesiredHealthy == 2 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("status never computed: %+v", got.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
