package namespace

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/utils/clock"
)

// ResourcesRemainingError says content is still being removed (pods in
// their grace period, objects with finalizers); Estimate is the expected
// wait in seconds.
type ResourcesRemainingError struct {
	Estimate int64
}

func (e *ResourcesRemainingError) Error() string {
	return fmt.Sprintf("some content remains in the namespace, estimate %d seconds before it is removed", e.Estimate)
}

// deleter empties and finalizes one namespace at a time (upstream's
// namespacedResourcesDeleter).
type deleter struct {
	client   kubernetes.Interface
	metadata metadata.Interface
	discover DiscoverFunc
	clock    clock.Clock
	log      *slog.Logger
	// unsupported remembers resources that answered deletecollection or
	// list with 405 or 404, so they are not asked again.
	unsupported *operationCache
}

func newDeleter(client kubernetes.Interface, meta metadata.Interface, discover DiscoverFunc, clk clock.Clock, log *slog.Logger) *deleter {
	return &deleter{client: client, metadata: meta, discover: discover, clock: clk, log: log, unsupported: newOperationCache()}
}

// Delete works on namespace name if it is being deleted: it marks it
// Terminating, deletes its content, and removes the "kubernetes"
// finalizer once nothing remains. It returns a *ResourcesRemainingError
// while content is still going away; the caller calls again.
func (d *deleter) Delete(ctx context.Context, name string) error {
	// Other controllers edit a terminating namespace too: start from the
	// live object.
	ns, err := d.client.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("getting namespace %s: %w", name, err)
	}
	if ns.DeletionTimestamp == nil {
		return nil
	}
	ns, err = d.retryOnConflict(ctx, ns, d.markTerminating)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("marking namespace %s Terminating: %w", name, err)
	}
	if ns.DeletionTimestamp.IsZero() || len(ns.Spec.Finalizers) == 0 {
		return nil
	}
	estimate, err := d.deleteAllContent(ctx, ns)
	if err != nil {
		return err
	}
	if estimate > 0 {
		return &ResourcesRemainingError{Estimate: estimate}
	}
	if _, err := d.retryOnConflict(ctx, ns, d.finalize); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("finalizing namespace %s: %w", name, err)
	}
	return nil
}

// retryOnConflict applies fn, re-reading the namespace after each
// conflict; a namespace recreated under the same name is an error.
func (d *deleter) retryOnConflict(ctx context.Context, ns *corev1.Namespace, fn func(context.Context, *corev1.Namespace) (*corev1.Namespace, error)) (*corev1.Namespace, error) {
	for {
		out, err := fn(ctx, ns)
		if !apierrors.IsConflict(err) {
			return out, err
		}
		latest, err := d.client.CoreV1().Namespaces().Get(ctx, ns.Name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		if latest.UID != ns.UID {
			return nil, fmt.Errorf("namespace %s was recreated (uid %s, was %s)", ns.Name, latest.UID, ns.UID)
		}
		ns = latest
	}
}

// markTerminating sets status.phase Terminating if it is not yet.
func (d *deleter) markTerminating(ctx context.Context, ns *corev1.Namespace) (*corev1.Namespace, error) {
	if ns.DeletionTimestamp.IsZero() || ns.Status.Phase == corev1.NamespaceTerminating {
		return ns, nil
	}
	ns = ns.DeepCopy()
	ns.Status.Phase = corev1.NamespaceTerminating
	return d.client.CoreV1().Namespaces().UpdateStatus(ctx, ns, metav1.UpdateOptions{})
}

// finalize removes the "kubernetes" finalizer through the finalize
// subresource; with no finalizer left the API server removes the
// namespace.
func (d *deleter) finalize(ctx context.Context, ns *corev1.Namespace) (*corev1.Namespace, error) {
	ns = ns.DeepCopy()
	ns.Spec.Finalizers = slices.DeleteFunc(ns.Spec.Finalizers, func(f corev1.FinalizerName) bool {
		return f == corev1.FinalizerKubernetes
	})
	out, err := d.client.CoreV1().Namespaces().Finalize(ctx, ns, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return ns, nil // removed already
	}
	return out, err
}
