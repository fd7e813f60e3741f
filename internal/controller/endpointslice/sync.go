package endpointslice

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	"github.com/evictd/evictd/internal/controller/endpoints/membership"
)

// sync reconciles the slices of the Service key. A deleted Service's
// slices are left to the garbage collector (they carry its controller
// reference), as upstream.
func (c *Controller) sync(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return err
	}
	svc, err := c.services.Services(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		c.triggers.Forget(key)
		c.tracker.forget(key)
		return nil
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
	existing, err := c.slices.EndpointSlices(namespace).List(labels.SelectorFromValidatedSet(labels.Set{
		discoveryv1.LabelServiceName: name,
		discoveryv1.LabelManagedBy:   ManagedBy,
	}))
	if err != nil {
		return fmt.Errorf("listing endpoint slices of service %s: %w", key, err)
	}
	existing = withoutPendingDeletion(existing)
	if c.tracker.stale(key, existing) {
		return fmt.Errorf("endpoint slice informer cache of service %s is out of date", key)
	}
	triggerTime := c.triggers.Compute(key, svc, pods)
	if err := c.reconcile(ctx, svc, pods, existing, triggerTime); err != nil {
		c.recorder.Eventf(svc, corev1.EventTypeWarning, "FailedToUpdateEndpointSlices",
			"Error updating Endpoint Slices for Service %s/%s: %v", namespace, name, err)
		return err
	}
	return nil
}

// withoutPendingDeletion drops slices being deleted: the controller must
// not wait on (or update) what the garbage collector is removing.
func withoutPendingDeletion(slices []*discoveryv1.EndpointSlice) []*discoveryv1.EndpointSlice {
	out := make([]*discoveryv1.EndpointSlice, 0, len(slices))
	for _, s := range slices {
		if s.DeletionTimestamp == nil {
			out = append(out, s)
		}
	}
	return out
}

// desiredByPorts builds, for one address type, the wanted endpoints keyed
// by endpoint, grouped by port set. A pod whose node is not cached is
// skipped (and reported, so the Service is retried) unless the Service
// publishes not-ready addresses; the others are still written.
func (c *Controller) desiredByPorts(svc *corev1.Service, pods []*corev1.Pod, addressType discoveryv1.AddressType) (map[string]*portGroup, error) {
	// The node lister's only error is NotFound.
	groups := map[string]*portGroup{}
	var errs []error
	for _, pod := range pods {
		if !membership.ShouldPodBeInEndpoints(pod, true) {
			continue
		}
		node, err := c.nodes.Get(pod.Spec.NodeName)
		if err != nil {
			if !svc.Spec.PublishNotReadyAddresses {
				errs = append(errs, fmt.Errorf("skipping pod %s for service %s/%s: node %q not found", pod.Name, svc.Namespace, svc.Name, pod.Spec.NodeName))
				continue
			}
			node = nil
		}
		ep := podEndpoint(pod, node, svc, addressType)
		if len(ep.Addresses) == 0 {
			continue
		}
		ports := endpointPorts(svc, pod)
		pk := portKey(ports)
		if groups[pk] == nil {
			groups[pk] = &portGroup{ports: ports, endpoints: map[string]discoveryv1.Endpoint{}}
		}
		groups[pk].endpoints[endpointKey(&ep)] = ep
	}
	return groups, errors.Join(errs...)
}

// portGroup is the desired state of one port set.
type portGroup struct {
	ports     []discoveryv1.EndpointPort
	endpoints map[string]discoveryv1.Endpoint // by endpointKey
}
