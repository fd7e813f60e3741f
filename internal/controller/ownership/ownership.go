// Package ownership claims objects for a controller the way
// kube-controller-manager's ControllerRefManager does
// (pkg/controller/controller_ref_manager.go): a controller owns the objects
// whose controller ownerReference carries its UID. On each sync it
//
//   - keeps the objects it owns that its selector still matches,
//   - adopts matching orphans (no controller ref) by patching an ownerReference
//     onto them, after a live check that it is not itself being deleted,
//   - releases objects it owns whose labels no longer match, by patching its
//     ownerReference away,
//   - and ignores objects controlled by anyone else.
//
// A Manager is built per sync (its adoption check runs at most once), from
// the controller object, its kind, its selector, a live "can I adopt"
// check (usually RecheckDeletionTimestamp) and a Patch function for the
// claimed resource (PatchPods for pods).
package ownership

import (
	"context"
	"errors"
	"fmt"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// PatchFunc applies a strategic-merge patch to the object namespace/name of
// the claimed resource.
type PatchFunc func(ctx context.Context, namespace, name string, patch []byte) error

// Manager claims objects for one controller during one sync.
type Manager struct {
	controller metav1.Object
	kind       schema.GroupVersionKind
	selector   labels.Selector
	patch      PatchFunc

	canAdoptFunc func(ctx context.Context) error
	canAdoptOnce sync.Once
	canAdoptErr  error
}

// NewManager returns a Manager for controller (of kind gvk, e.g. apps/v1
// ReplicaSet) selecting objects with selector. canAdopt is called at most
// once, before the first adoption, and every adoption fails with its error;
// nil allows every adoption. patch writes to the claimed resource.
func NewManager(controller metav1.Object, gvk schema.GroupVersionKind, selector labels.Selector,
	canAdopt func(ctx context.Context) error, patch PatchFunc) *Manager {
	return &Manager{controller: controller, kind: gvk, selector: selector, canAdoptFunc: canAdopt, patch: patch}
}

// Matches reports whether the selector matches obj's labels.
func (m *Manager) Matches(obj metav1.Object) bool {
	return m.selector.Matches(labels.Set(obj.GetLabels()))
}

// Claim runs ClaimObject with the selector (and every filter) as the match
// over objs, and returns the objects the controller owns afterwards. Errors
// of individual objects are joined; the objects claimed despite them are
// still returned.
func Claim[T metav1.Object](ctx context.Context, m *Manager, objs []T, filters ...func(T) bool) ([]T, error) {
	var claimed []T
	var errs []error
	for _, obj := range objs {
		match := func(metav1.Object) bool {
			if !m.Matches(obj) {
				return false
			}
			for _, f := range filters {
				if !f(obj) {
					return false
				}
			}
			return true
		}
		ok, err := m.ClaimObject(ctx, obj, match)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok {
			claimed = append(claimed, obj)
		}
	}
	return claimed, errors.Join(errs...)
}

// ClaimObject adopts, keeps, releases or ignores obj (see the package doc)
// and reports whether the controller owns it afterwards. A NotFound from
// the patch means the object is gone and is not an error. Nothing is
// written while the controller is being deleted: it keeps what it owns and
// matches, and neither adopts nor releases.
func (m *Manager) ClaimObject(ctx context.Context, obj metav1.Object, match func(metav1.Object) bool) (bool, error) {
	if ref := metav1.GetControllerOfNoCopy(obj); ref != nil {
		if ref.UID != m.controller.GetUID() {
			return false, nil // controlled by someone else
		}
		if match(obj) {
			return true, nil
		}
		if m.controller.GetDeletionTimestamp() != nil {
			return false, nil
		}
		if err := m.Release(ctx, obj); err != nil && !apierrors.IsNotFound(err) {
			return false, err
		}
		return false, nil
	}
	// An orphan. Upstream also refuses an object of another namespace
	// (owner references are namespace-local).
	if m.controller.GetDeletionTimestamp() != nil || !match(obj) || obj.GetDeletionTimestamp() != nil {
		return false, nil
	}
	if ns := m.controller.GetNamespace(); ns != "" && ns != obj.GetNamespace() {
		return false, nil
	}
	if err := m.Adopt(ctx, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// canAdopt runs the adoption check once per Manager.
func (m *Manager) canAdopt(ctx context.Context) error {
	m.canAdoptOnce.Do(func() {
		if m.canAdoptFunc != nil {
			m.canAdoptErr = m.canAdoptFunc(ctx)
		}
	})
	return m.canAdoptErr
}

// RecheckDeletionTimestamp returns a canAdopt check that reads the
// controller fresh (get should bypass the informer cache) and refuses
// adoption if it is being deleted: an orphan adopted by a controller on
// its way out would be garbage-collected with it.
func RecheckDeletionTimestamp(get func(ctx context.Context) (metav1.Object, error)) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		obj, err := get(ctx)
		if err != nil {
			return fmt.Errorf("recheck deletionTimestamp: %w", err)
		}
		if ts := obj.GetDeletionTimestamp(); ts != nil {
			return fmt.Errorf("%s/%s has just been deleted at %v", obj.GetNamespace(), obj.GetName(), ts)
		}
		return nil
	}
}
