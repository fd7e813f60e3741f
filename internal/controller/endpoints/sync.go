package endpoints

import (
	"context"
	"fmt"
	"maps"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	"github.com/evictd/evictd/internal/controller/endpoints/membership"
)

// sync makes the Endpoints of the Service key match its pods: deleted with
// the Service, left alone for a Service without selector, otherwise
// created or updated when its subsets, labels or capacity annotation
// differ.
func (c *Controller) sync(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return err
	}
	svc, err := c.services.Services(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return c.deleteEndpoints(ctx, key, namespace, name)
	}
	if err != nil {
		return err
	}
	if !membership.Managed(svc) {
		return nil
	}
	pods, err := c.pods.Pods(namespace).List(labels.SelectorFromValidatedSet(svc.Spec.Selector))
	if err != nil {
		return fmt.Errorf("listing pods of service %s: %w", key, err)
	}
	// Computed before the no-op check so that the tracker learns this
	// sync's state even when nothing is written.
	triggerTime := c.triggers.Compute(key, svc, pods)
	subsets := desiredSubsets(svc, pods)

	current, err := c.endpoints.Endpoints(namespace).Get(name)
	switch {
	case apierrors.IsNotFound(err):
		current = &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: svc.Labels}}
	case err != nil:
		return err
	case c.stale.isStale(key, current):
		return fmt.Errorf("endpoints informer cache is out of date: resourceVersion %s of %s was already replaced", current.ResourceVersion, key)
	}
	creating := current.ResourceVersion == ""
	if !creating && upToDate(current, svc, subsets) {
		return nil
	}
	return c.write(ctx, key, svc, current, desiredEndpoints(current, svc, subsets, triggerTime), creating)
}

// upToDate compares what the controller owns: subsets, labels (the
// headless label is the controller's, not the Service's) and the capacity
// annotation. The trigger-time annotation alone never causes a write.
func upToDate(current *corev1.Endpoints, svc *corev1.Service, subsets []corev1.EndpointSubset) bool {
	currentLabels := current.Labels
	if _, ok := currentLabels[corev1.IsHeadlessService]; ok {
		currentLabels = maps.Clone(currentLabels)
		delete(currentLabels, corev1.IsHeadlessService)
	}
	return subsetsEqual(current.Subsets, subsets) &&
		labelsEqual(currentLabels, svc.Labels) &&
		capacityAnnotationCorrect(current.Annotations, current.Subsets)
}

// desiredEndpoints is current with the new subsets, the Service's labels
// and the annotations this controller owns.
func desiredEndpoints(current *corev1.Endpoints, svc *corev1.Service, subsets []corev1.EndpointSubset, triggerTime time.Time) *corev1.Endpoints {
	ep := current.DeepCopy()
	ep.Subsets = subsets
	ep.Labels = maps.Clone(svc.Labels)
	if ep.Labels == nil {
		ep.Labels = map[string]string{}
	}
	if ep.Annotations == nil {
		ep.Annotations = map[string]string{}
	}
	if triggerTime.IsZero() {
		delete(ep.Annotations, corev1.EndpointsLastChangeTriggerTime)
	} else {
		ep.Annotations[corev1.EndpointsLastChangeTriggerTime] = triggerTime.UTC().Format(time.RFC3339Nano)
	}
	if truncate(ep) {
		ep.Annotations[corev1.EndpointsOverCapacity] = overCapacityTruncated
	} else {
		delete(ep.Annotations, corev1.EndpointsOverCapacity)
	}
	if isHeadless(svc) {
		ep.Labels[corev1.IsHeadlessService] = ""
	}
	return ep
}

// write creates or updates ep. A create refused because the namespace is
// terminating is dropped: every retry would fail the same way.
func (c *Controller) write(ctx context.Context, key string, svc *corev1.Service, current, ep *corev1.Endpoints, creating bool) error {
	var written *corev1.Endpoints
	var err error
	if creating {
		written, err = c.client.CoreV1().Endpoints(svc.Namespace).Create(ctx, ep, metav1.CreateOptions{})
	} else {
		written, err = c.client.CoreV1().Endpoints(svc.Namespace).Update(ctx, ep, metav1.UpdateOptions{})
	}
	if err != nil {
		if creating && apierrors.IsForbidden(err) && apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			return nil
		}
		if creating {
			c.recorder.Eventf(ep, corev1.EventTypeWarning, "FailedToCreateEndpoint", "Failed to create endpoint for service %v/%v: %v", svc.Namespace, svc.Name, err)
			return fmt.Errorf("creating endpoints %s: %w", key, err)
		}
		c.recorder.Eventf(ep, corev1.EventTypeWarning, "FailedToUpdateEndpoint", "Failed to update endpoint %v/%v: %v", svc.Namespace, svc.Name, err)
		return fmt.Errorf("updating endpoints %s: %w", key, err)
	}
	// Until the informer delivers the new version, the cached one is
	// stale; a sync that reads it must not act on it.
	if !creating && written.ResourceVersion != current.ResourceVersion {
		c.stale.replaced(key, current.ResourceVersion)
	}
	return nil
}

// deleteEndpoints removes the Endpoints of a deleted Service.
func (c *Controller) deleteEndpoints(ctx context.Context, key, namespace, name string) error {
	err := c.client.CoreV1().Endpoints(namespace).Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting endpoints %s: %w", key, err)
	}
	c.triggers.Forget(key)
	c.stale.forget(key)
	return nil
}

// isHeadless is a Service without a cluster IP.
func isHeadless(svc *corev1.Service) bool {
	return svc.Spec.ClusterIP == "" || svc.Spec.ClusterIP == corev1.ClusterIPNone
}

func labelsEqual(a, b map[string]string) bool {
	return len(a) == len(b) && maps.Equal(a, b)
}
