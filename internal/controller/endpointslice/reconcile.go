package endpointslice

import (
	"context"
	"errors"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"time"
)

// plan is what one reconcile writes.
type plan struct {
	create, update, delete []*discoveryv1.EndpointSlice
	// previous is the resourceVersion each update replaces, by name.
	previous map[string]string
}

// reconcile makes the slices of svc match pods, address type by address
// type; slices of an address type the Service no longer has are deleted.
func (c *Controller) reconcile(ctx context.Context, svc *corev1.Service, pods []*corev1.Pod,
	existing []*discoveryv1.EndpointSlice, triggerTime time.Time) error {
	wanted := addressTypes(svc)
	byType := map[discoveryv1.AddressType][]*discoveryv1.EndpointSlice{}
	var unwanted []*discoveryv1.EndpointSlice
	for _, s := range existing {
		if slices.Contains(wanted, s.AddressType) {
			byType[s.AddressType] = append(byType[s.AddressType], s)
		} else {
			unwanted = append(unwanted, s)
		}
	}
	var errs []error
	for _, at := range wanted {
		errs = append(errs, c.reconcileAddressType(ctx, svc, pods, byType[at], triggerTime, at))
	}
	for _, s := range unwanted {
		errs = append(errs, c.deleteSlice(ctx, s))
	}
	return errors.Join(errs...)
}

// reconcileAddressType plans and writes the slices of one address type.
// Slices not owned by the Service are replaced; a port set no pod has any
// more loses its slices; with nothing left a placeholder slice remains.
func (c *Controller) reconcileAddressType(ctx context.Context, svc *corev1.Service, pods []*corev1.Pod,
	existing []*discoveryv1.EndpointSlice, triggerTime time.Time, at discoveryv1.AddressType) error {
	groups, skipped := c.desiredByPorts(svc, pods, at)
	p := &plan{previous: map[string]string{}}
	byPorts := map[string][]*discoveryv1.EndpointSlice{}
	for _, s := range existing {
		if ownedBy(s, svc) {
			byPorts[portKey(s.Ports)] = append(byPorts[portKey(s.Ports)], s)
		} else {
			p.delete = append(p.delete, s)
		}
	}
	for _, pk := range slices.Sorted(maps.Keys(groups)) {
		c.reconcilePorts(svc, byPorts[pk], groups[pk], at, p)
	}
	for _, pk := range slices.Sorted(maps.Keys(byPorts)) {
		if groups[pk] == nil {
			p.delete = append(p.delete, byPorts[pk]...)
		}
	}
	if len(existing) == len(p.delete) && len(p.create) == 0 {
		placeholder := newSlice(svc, []discoveryv1.EndpointPort{}, at)
		if len(p.delete) == 1 && isPlaceholder(p.delete[0], placeholder) {
			p.delete = nil // it already exists: neither delete nor recreate it
		} else {
			p.create = append(p.create, placeholder)
		}
	}
	return errors.Join(c.apply(ctx, svc, p, triggerTime), skipped)
}

// isPlaceholder compares what a placeholder consists of.
func isPlaceholder(s, placeholder *discoveryv1.EndpointSlice) bool {
	return s.Namespace == placeholder.Namespace && s.AddressType == placeholder.AddressType &&
		len(s.Endpoints) == 0 && len(s.Ports) == 0 && maps.Equal(s.Labels, placeholder.Labels)
}

// endpointChanged compares an endpoint with its desired version.
func endpointChanged(want, got *discoveryv1.Endpoint) bool {
	return !equality.Semantic.DeepEqual(want, got)
}
