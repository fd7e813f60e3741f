// Package namespace describes core/v1 namespaces: their defaults, the
// rules of the main resource and of the status and finalize subresources,
// field selectors and the `kubectl get` table. The rules follow
// kube-apiserver's pkg/registry/core/namespace and pkg/apis/core validation.
//
// Deleting a namespace is not a plain delete upstream: while spec.finalizers
// is not empty, DELETE only sets deletionTimestamp and status.phase
// Terminating, and the namespace controller empties it through the finalize
// subresource (served here with the Finalize rules). Lifecycle holds that
// delete and the NamespaceLifecycle admission of creates; the API server
// calls both through its generic hooks.
package namespace

import (
	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/registry"
)

// Resource returns a fresh description of core/v1 namespaces.
func Resource() *registry.Resource {
	return &registry.Resource{
		GroupVersion: corev1.SchemeGroupVersion,
		Plural:       "namespaces",
		Singular:     "namespace",
		Kind:         "Namespace",
		ListKind:     "NamespaceList",
		ShortNames:   []string{"ns"},
		Namespaced:   false,
		// DELETE answers with the object, as upstream's store for this resource.
		ReturnDeletedObject:    true,
		ValidateName:           apimachineryvalidation.ValidateNamespaceName,
		New:                    func() runtime.Object { return &corev1.Namespace{} },
		NewList:                func() runtime.Object { return &corev1.NamespaceList{} },
		Strategy:               strategy{},
		StatusStrategy:         statusStrategy{},
		UpdateOnlySubresources: map[string]registry.Strategy{"finalize": Finalize()},
		// A terminating namespace goes when its spec.finalizers are empty
		// too: the finalize call of the namespace controller removes it.
		FinalizedBy:      func(obj runtime.Object) bool { return len(obj.(*corev1.Namespace).Spec.Finalizers) == 0 },
		Table:            table(),
		SelectableFields: selectableFields,
	}
}

// IsTerminating reports whether the namespace is being deleted: its phase
// is Terminating or its deletion has been requested. Nothing new may be
// created in such a namespace (upstream's NamespaceLifecycle admission).
func IsTerminating(ns *corev1.Namespace) bool {
	return ns.Status.Phase == corev1.NamespaceTerminating || ns.DeletionTimestamp != nil
}

// selectableFields are upstream's namespace field labels beyond metadata.name.
func selectableFields(obj runtime.Object) fields.Set {
	ns := obj.(*corev1.Namespace)
	return fields.Set{"status.phase": string(ns.Status.Phase)}
}
