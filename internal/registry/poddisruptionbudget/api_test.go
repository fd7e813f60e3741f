package poddisruptionbudget_test

import (
	"testing"

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
	pdbs := kubernetes.NewForConfigOrDie(testserver.Start(t).RESTConfig()).PolicyV1().PodDisruptionBudgets("default")
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

	unconditional := created.DeepCopy()
	unconditional.ResourceVersion = ""
	tests := []struct {
		name  string
		write func() error
		check func(error) bool
	}{
		{name: "update without resourceVersion", write: func() error {
			_, err := pdbs.Update(ctx, unconditional, metav1.UpdateOptions{})
			return err
		}, check: apierrors.IsInvalid},
		{name: "status without resourceVersion", write: func() error {
			_, err := pdbs.UpdateStatus(ctx, unconditional, metav1.UpdateOptions{})
			return err
		}, check: apierrors.IsInvalid},
		{name: "stale status", write: func() error {
			_, err := pdbs.UpdateStatus(ctx, stale, metav1.UpdateOptions{})
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
