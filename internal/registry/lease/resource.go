// Package lease describes coordination.k8s.io/v1 leases, which kubelets
// renew as node heartbeats (kube-node-lease) and controllers use for leader
// election. The rules follow kube-apiserver's pkg/registry/coordination/lease
// and pkg/apis/coordination/validation.
package lease

import (
	"context"
	"slices"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/evictd/evictd/internal/registry"
)

// Resource returns a fresh description of coordination.k8s.io/v1 leases.
func Resource() *registry.Resource {
	return &registry.Resource{
		GroupVersion: coordinationv1.SchemeGroupVersion,
		Plural:       "leases",
		Singular:     "lease",
		Kind:         "Lease",
		ListKind:     "LeaseList",
		Namespaced:   true,
		New:          func() runtime.Object { return &coordinationv1.Lease{} },
		NewList:      func() runtime.Object { return &coordinationv1.LeaseList{} },
		Strategy:     strategy{},
		Table:        table(),
	}
}

// strategy validates the spec on create and on every update.
type strategy struct{ registry.DefaultStrategy }

// Validate checks a new lease.
func (strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validateSpec(&obj.(*coordinationv1.Lease).Spec)
}

// ValidateUpdate checks the new state; nothing in a lease is immutable.
func (strategy) ValidateUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	return validateSpec(&obj.(*coordinationv1.Lease).Spec)
}

// validStrategies are the Kubernetes-defined coordinated lease strategies;
// others must be qualified names (example.com/mine).
var validStrategies = []coordinationv1.CoordinatedLeaseStrategy{coordinationv1.OldestEmulationVersion}

// validateSpec is upstream's ValidateLeaseSpec.
func validateSpec(spec *coordinationv1.LeaseSpec) field.ErrorList {
	path := field.NewPath("spec")
	var errs field.ErrorList
	if d := spec.LeaseDurationSeconds; d != nil && *d <= 0 {
		errs = append(errs, field.Invalid(path.Child("leaseDurationSeconds"), *d, "must be greater than 0"))
	}
	if n := spec.LeaseTransitions; n != nil && *n < 0 {
		errs = append(errs, field.Invalid(path.Child("leaseTransitions"), *n, "must be greater than or equal to 0"))
	}
	if s := spec.Strategy; s != nil {
		errs = append(errs, validateStrategy(*s, path.Child("strategy"))...)
	}
	if h := spec.PreferredHolder; h != nil && *h != "" && (spec.Strategy == nil || *spec.Strategy == "") {
		errs = append(errs, field.Forbidden(path.Child("preferredHolder"), "may only be specified if `strategy` is defined"))
	}
	return errs
}

func validateStrategy(s coordinationv1.CoordinatedLeaseStrategy, path *field.Path) field.ErrorList {
	if !strings.Contains(string(s), "/") {
		if !slices.Contains(validStrategies, s) {
			return field.ErrorList{field.NotSupported(path, s, validStrategies)}
		}
		return nil
	}
	var errs field.ErrorList
	for _, msg := range validation.IsQualifiedName(string(s)) {
		errs = append(errs, field.Invalid(path, s, msg))
	}
	return errs
}

// table is upstream's lease table: Name, Holder, Age.
func table() *registry.Table {
	return &registry.Table{
		Columns: []metav1.TableColumnDefinition{
			{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
			{Name: "Holder", Type: "string", Description: coordinationv1.LeaseSpec{}.SwaggerDoc()["holderIdentity"]},
			registry.AgeColumn,
		},
		Row: func(obj runtime.Object, now time.Time) []any {
			l := obj.(*coordinationv1.Lease)
			holder := ""
			if l.Spec.HolderIdentity != nil {
				holder = *l.Spec.HolderIdentity
			}
			return []any{l.Name, holder, registry.Age(l.CreationTimestamp, now)}
		},
	}
}
