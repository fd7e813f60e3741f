// Package configmap describes core/v1 configmaps: key and size validation,
// immutable configmaps and the `kubectl get` table. The rules follow
// kube-apiserver's pkg/registry/core/configmap and ValidateConfigMap in
// pkg/apis/core/validation.
package configmap

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/evictd/evictd/internal/registry"
)

// Resource returns a fresh description of core/v1 configmaps.
func Resource() *registry.Resource {
	return &registry.Resource{
		GroupVersion: corev1.SchemeGroupVersion,
		Plural:       "configmaps",
		Singular:     "configmap",
		Kind:         "ConfigMap",
		ListKind:     "ConfigMapList",
		ShortNames:   []string{"cm"},
		Namespaced:   true,
		New:          func() runtime.Object { return &corev1.ConfigMap{} },
		NewList:      func() runtime.Object { return &corev1.ConfigMapList{} },
		Strategy:     strategy{},
		Table:        table(),
	}
}

// strategy validates keys and size, and freezes immutable configmaps.
type strategy struct{ registry.DefaultStrategy }

// Validate checks a new configmap.
func (strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validate(obj.(*corev1.ConfigMap))
}

// ValidateUpdate checks the new state and, once the stored configmap is
// immutable, that neither its data nor the flag changes.
func (strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	cm, oldCM := obj.(*corev1.ConfigMap), old.(*corev1.ConfigMap)
	return append(validateImmutable(cm, oldCM), validate(cm)...)
}

// table is upstream's configmap table: Name, Data (the number of keys), Age.
func table() *registry.Table {
	return &registry.Table{
		Columns: []metav1.TableColumnDefinition{
			{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
			{Name: "Data", Type: "string", Description: corev1.ConfigMap{}.SwaggerDoc()["data"]},
			registry.AgeColumn,
		},
		Row: func(obj runtime.Object, now time.Time) []any {
			cm := obj.(*corev1.ConfigMap)
			return []any{cm.Name, int64(len(cm.Data) + len(cm.BinaryData)), registry.Age(cm.CreationTimestamp, now)}
		},
	}
}
