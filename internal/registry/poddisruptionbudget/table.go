package poddisruptionbudget

import (
	"time"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/evictd/evictd/internal/registry"
)

// table returns kube-apiserver's budget table (pkg/printers/internalversion
// printPodDisruptionBudget), with upstream's column types and descriptions.
func table() *registry.Table {
	return &registry.Table{
		Columns: []metav1.TableColumnDefinition{
			{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
			{Name: "Min Available", Type: "string", Description: "The minimum number of pods that must be available."},
			{Name: "Max Unavailable", Type: "string", Description: "The maximum number of pods that may be unavailable."},
			{Name: "Allowed Disruptions", Type: "integer", Description: "Calculated number of pods that may be disrupted at this time."},
			registry.AgeColumn,
		},
		Row: row,
	}
}

func row(obj runtime.Object, now time.Time) []any {
	pdb := obj.(*policyv1.PodDisruptionBudget)
	return []any{
		pdb.Name,
		orNA(pdb.Spec.MinAvailable),
		orNA(pdb.Spec.MaxUnavailable),
		int64(pdb.Status.DisruptionsAllowed),
		registry.Age(pdb.CreationTimestamp, now),
	}
}

// orNA is an int-or-percent as written, or N/A when unset.
func orNA(v *intstr.IntOrString) string {
	if v == nil {
		return "N/A"
	}
	return v.String()
}
