// Package serviceaccount describes core/v1 serviceaccounts. evictd keeps
// them as plain objects: no token controller fills in secrets, and the
// token subresource is not served. The rules follow kube-apiserver's
// pkg/registry/core/serviceaccount.
package serviceaccount

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/registry"
)

// Resource returns a fresh description of core/v1 serviceaccounts.
func Resource() *registry.Resource {
	return &registry.Resource{
		GroupVersion: corev1.SchemeGroupVersion,
		Plural:       "serviceaccounts",
		Singular:     "serviceaccount",
		Kind:         "ServiceAccount",
		ListKind:     "ServiceAccountList",
		ShortNames:   []string{"sa"},
		Namespaced:   true,
		// DELETE answers with the object, as upstream's store for this resource.
		ReturnDeletedObject: true,
		ValidateName:        apimachineryvalidation.ValidateServiceAccountName,
		New:                 func() runtime.Object { return &corev1.ServiceAccount{} },
		NewList:             func() runtime.Object { return &corev1.ServiceAccountList{} },
		Strategy:            strategy{},
		Table:               table(),
	}
}

// strategy trims secret references to their names, as upstream does: the
// other ObjectReference fields mean nothing there.
type strategy struct{ registry.DefaultStrategy }

// PrepareForCreate trims secret references.
func (strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	cleanSecretReferences(obj.(*corev1.ServiceAccount))
}

// PrepareForUpdate trims secret references.
func (strategy) PrepareForUpdate(_ context.Context, obj, _ runtime.Object) {
	cleanSecretReferences(obj.(*corev1.ServiceAccount))
}

func cleanSecretReferences(sa *corev1.ServiceAccount) {
	for i, s := range sa.Secrets {
		sa.Secrets[i] = corev1.ObjectReference{Name: s.Name}
	}
}

// table is upstream's serviceaccount table: Name, Secrets (a count), Age.
func table() *registry.Table {
	return &registry.Table{
		Columns: []metav1.TableColumnDefinition{
			{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
			{Name: "Secrets", Type: "string", Description: corev1.ServiceAccount{}.SwaggerDoc()["secrets"]},
			registry.AgeColumn,
		},
		Row: func(obj runtime.Object, now time.Time) []any {
			sa := obj.(*corev1.ServiceAccount)
			return []any{sa.Name, int64(len(sa.Secrets)), registry.Age(sa.CreationTimestamp, now)}
		},
	}
}
