package ownership

import (
	"context"
	"encoding/json"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// Adopt patches a controller ownerReference to the Manager's controller
// onto obj (after the Manager's one-time adoption check). The patch also
// names obj's UID, so it fails instead of adopting an object recreated
// under the same name; the API server refuses it if obj already has
// another controller.
func (m *Manager) Adopt(ctx context.Context, obj metav1.Object) error {
	if err := m.canAdopt(ctx); err != nil {
		return fmt.Errorf("can't adopt %s/%s (%s): %w", obj.GetNamespace(), obj.GetName(), obj.GetUID(), err)
	}
	ref := metav1.OwnerReference{
		APIVersion:         m.kind.GroupVersion().String(),
		Kind:               m.kind.Kind,
		Name:               m.controller.GetName(),
		UID:                m.controller.GetUID(),
		Controller:         ptr.To(true),
		BlockOwnerDeletion: ptr.To(true),
	}
	return m.patchMeta(ctx, obj, ref)
}

// Release patches the Manager's controller's ownerReference away from obj.
// Invalid (obj has no such reference, or is a recreated object with another
// UID) means there is nothing to release and is not an error, nor is
// NotFound.
func (m *Manager) Release(ctx context.Context, obj metav1.Object) error {
	del := map[string]any{"$patch": "delete", "uid": m.controller.GetUID()}
	err := m.patchMeta(ctx, obj, del)
	if apierrors.IsNotFound(err) || apierrors.IsInvalid(err) {
		return nil
	}
	return err
}

// patchMeta sends {"metadata":{"ownerReferences":[ref],"uid":obj's UID}}
// as a strategic-merge patch (ownerReferences merge on uid).
func (m *Manager) patchMeta(ctx context.Context, obj metav1.Object, ref any) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"ownerReferences": []any{ref},
		"uid":             obj.GetUID(),
	}})
	if err != nil {
		return fmt.Errorf("ownerReferences patch: %w", err)
	}
	if err := m.patch(ctx, obj.GetNamespace(), obj.GetName(), patch); err != nil {
		return fmt.Errorf("patch ownerReferences of %s/%s: %w", obj.GetNamespace(), obj.GetName(), err)
	}
	return nil
}

// PatchPods patches pods through client.
func PatchPods(client kubernetes.Interface) PatchFunc {
	return func(ctx context.Context, namespace, name string, patch []byte) error {
		_, err := client.CoreV1().Pods(namespace).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
		return err
	}
}

// PatchReplicaSets patches ReplicaSets through client (for the Deployment
// controller).
func PatchReplicaSets(client kubernetes.Interface) PatchFunc {
	return func(ctx context.Context, namespace, name string, patch []byte) error {
		_, err := client.AppsV1().ReplicaSets(namespace).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
		return err
	}
}

// PatchControllerRevisions patches ControllerRevisions through client (for
// the StatefulSet and DaemonSet controllers).
func PatchControllerRevisions(client kubernetes.Interface) PatchFunc {
	return func(ctx context.Context, namespace, name string, patch []byte) error {
		_, err := client.AppsV1().ControllerRevisions(namespace).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
		return err
	}
}
