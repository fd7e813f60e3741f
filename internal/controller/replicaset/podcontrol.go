package replicaset

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Event reasons, as kube-controller-manager's pod control records them.
const (
	reasonSuccessfulCreate = "SuccessfulCreate"
	reasonFailedCreate     = "FailedCreate"
	reasonSuccessfulDelete = "SuccessfulDelete"
	reasonFailedDelete     = "FailedDelete"
)

// podFromTemplate builds the pod rs creates: labels, annotations,
// finalizers and spec from the template, generateName "<rs>-" (or the bare
// name when that is not a valid prefix), and a controller reference that
// blocks the owner's foreground deletion.
func podFromTemplate(rs *appsv1.ReplicaSet, ref *metav1.OwnerReference) *corev1.Pod {
	t := &rs.Spec.Template
	prefix := rs.Name + "-"
	if len(validation.NameIsDNSSubdomain(prefix, true)) != 0 {
		prefix = rs.Name
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    prefix,
			Labels:          maps.Clone(t.Labels),
			Annotations:     maps.Clone(t.Annotations),
			Finalizers:      slices.Clone(t.Finalizers),
			OwnerReferences: []metav1.OwnerReference{*ref},
		},
		Spec: *t.Spec.DeepCopy(),
	}
}

// createPod creates one pod for rs and records SuccessfulCreate or
// FailedCreate. A namespace being terminated refuses every create with a
// NamespaceTerminating cause; that is returned without an event (the
// caller treats it as success: there is nothing more to do).
func (c *Controller) createPod(ctx context.Context, rs *appsv1.ReplicaSet) error {
	ref := metav1.NewControllerRef(rs, c.kind.gvk())
	pod := podFromTemplate(rs, ref)
	if len(pod.Labels) == 0 {
		// Upstream refuses before calling the API server: such a pod could
		// never be counted.
		return errors.New("unable to create pods, no labels")
	}
	created, err := c.client.CoreV1().Pods(rs.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		if !apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			c.recorder.Eventf(c.kind.object(rs), corev1.EventTypeWarning, reasonFailedCreate, "Error creating: %v", err)
		}
		return err
	}
	c.recorder.Eventf(c.kind.object(rs), corev1.EventTypeNormal, reasonSuccessfulCreate, "Created pod: %v", created.Name)
	return nil
}

// deletePodOf deletes pod of rs with the pod's own grace period and records
// SuccessfulDelete or FailedDelete. NotFound (already gone) is returned
// without an event.
func (c *Controller) deletePodOf(ctx context.Context, rs *appsv1.ReplicaSet, pod *corev1.Pod) error {
	err := c.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return err
	}
	if err != nil {
		c.recorder.Eventf(c.kind.object(rs), corev1.EventTypeWarning, reasonFailedDelete, "Error deleting: %v", err)
		return fmt.Errorf("unable to delete pods: %w", err)
	}
	c.recorder.Eventf(c.kind.object(rs), corev1.EventTypeNormal, reasonSuccessfulDelete, "Deleted pod: %v", pod.Name)
	return nil
}
