package namespace

import (
	"context"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/evictd/evictd/internal/registry"
)

// strategy is the rule set of the main resource: spec.finalizers is set on
// create and only the finalize subresource changes it afterwards; status
// belongs to the status subresource.
type strategy struct{ registry.DefaultStrategy }

// Default applies upstream's v1 defaults: phase Active and the
// kubernetes.io/metadata.name label.
func (strategy) Default(obj runtime.Object) {
	ns := obj.(*corev1.Namespace)
	if ns.Status.Phase == "" {
		ns.Status.Phase = corev1.NamespaceActive
	}
	setNameLabel(ns)
}

// PrepareForCreate starts every namespace Active, with the "kubernetes"
// finalizer that lets the namespace controller empty it before it goes.
// Upstream adds the finalizer here rather than in defaulting because it may
// be removed later in the namespace's life.
func (strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	ns := obj.(*corev1.Namespace)
	ns.Status = corev1.NamespaceStatus{Phase: corev1.NamespaceActive}
	if !slices.Contains(ns.Spec.Finalizers, corev1.FinalizerKubernetes) {
		ns.Spec.Finalizers = append(ns.Spec.Finalizers, corev1.FinalizerKubernetes)
	}
}

// Validate checks the spec finalizers.
func (strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	ns := obj.(*corev1.Namespace)
	return validateFinalizers(ns.Spec.Finalizers, false)
}

// PrepareForUpdate keeps spec.finalizers and status, which only the
// finalize and status subresources may change.
func (strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	ns, oldNS := obj.(*corev1.Namespace), old.(*corev1.Namespace)
	ns.Spec.Finalizers = oldNS.Spec.Finalizers
	ns.Status = oldNS.Status
	setNameLabel(ns)
}

// statusStrategy serves namespaces/status: it takes status and keeps spec.
type statusStrategy struct{ registry.DefaultStrategy }

// PrepareForUpdate keeps the stored spec.
func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*corev1.Namespace).Spec = old.(*corev1.Namespace).Spec
}

// ValidateUpdate ties the phase to the deletion timestamp.
func (statusStrategy) ValidateUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	return validatePhase(obj.(*corev1.Namespace))
}

// Finalize returns the rules of the namespaces/{name}/finalize
// subresource: an update there changes spec.finalizers and nothing else.
// The namespace controller uses it to remove "kubernetes" once the
// namespace is empty.
func Finalize() registry.Strategy { return finalizeStrategy{} }

type finalizeStrategy struct{ registry.DefaultStrategy }

// PrepareForUpdate keeps everything but spec.finalizers: status and the
// user-controlled metadata (the store keeps the server-owned metadata).
func (finalizeStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	ns, oldNS := obj.(*corev1.Namespace), old.(*corev1.Namespace)
	ns.Status = oldNS.Status
	ns.Labels = oldNS.Labels
	ns.Annotations = oldNS.Annotations
	ns.Finalizers = oldNS.Finalizers
	ns.OwnerReferences = oldNS.OwnerReferences
}

// ValidateUpdate checks the new finalizer names.
func (finalizeStrategy) ValidateUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	return validateFinalizers(obj.(*corev1.Namespace).Spec.Finalizers, true)
}

// setNameLabel sets kubernetes.io/metadata.name to the namespace's name, as
// upstream does in defaulting and again in Canonicalize. A namespace
// created with generateName gets it on its first update: the name is only
// known after PrepareForCreate, and registry.Strategy has no later hook.
func setNameLabel(ns *corev1.Namespace) {
	if ns.Name == "" {
		return
	}
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	ns.Labels[corev1.LabelMetadataName] = ns.Name
}
