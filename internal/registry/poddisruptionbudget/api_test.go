package poddisruptionbudget_test

import (
	"context"
	"testing"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/pkg/testserver"
)

// TestOptimisticWritesOverHTTP checks, through client-go against a real
// evictd, what makes the eviction's budget write optimistic: neither the
// budget nor its status may be written without a resourceVersion, and a
// stale one is a conflict.
func TestOptimisticWritesOverHTTP(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pdbs := kubernetes.NewForConfigOrDie(startServer(t).RESTConfig()).PolicyV1().PodDisruptionBudgets("default")
	created, err := pdbs.Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromInt32(1)), Selector: &metav1.LabelSelector{}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stale := created.DeepCopy()
	stale.Status.DisruptionsAllowed = 1
	if _, err := pdbs.UpdateStatus(ctx, stale, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("first status write: %v", err)
	}

	// client-go sets an object's kind while encoding it: each parallel
	// row sends its own copy.
	unconditional := created.DeepCopy()
	unconditional.ResourceVersion = ""
	tests := []struct {
		name  string
		write func() error
		check func(error) bool
	}{
		{name: "update without resourceVersion", write: func() error {
			_, err := pdbs.Update(ctx, unconditional.DeepCopy(), metav1.UpdateOptions{})
			return err
		}, check: apierrors.IsInvalid},
		{name: "status without resourceVersion", write: func() error {
			_, err := pdbs.UpdateStatus(ctx, unconditional.DeepCopy(), metav1.UpdateOptions{})
			return err
		}, check: apierrors.IsInvalid},
		{name: "stale status", write: func() error {
			_, err := pdbs.UpdateStatus(ctx, stale.DeepCopy(), metav1.UpdateOptions{})
			return err
		}, check: apierrors.IsConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.write()
			if !tt.check(err) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

// startServer starts an evictd for one test without the in-process
// disruption controller, whose status writes would race with the test's.
func startServer(t *testing.T) *testserver.Server {
	t.Helper()
	srv, err := testserver.New(context.Background(), testserver.Options{WithoutControllers: true})
	if err != nil {
		t.Fatalf("start evictd: %v", err)
	}
	t.Cleanup(func() {
		// Bounded like testserver.Start's shutdown: a hang fails the test.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Stop(ctx); err != nil {
			t.Errorf("stop evictd: %v", err)
		}
	})
	return srv
}
