package endpointslice

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// apply writes a plan. Creates first become updates of slices planned for
// deletion (same address type, owned by the Service), saving a delete and
// a create. No slice is created for a Service being deleted, so as not to
// race the garbage collector.
func (c *Controller) apply(ctx context.Context, svc *corev1.Service, p *plan, triggerTime time.Time) error {
	for i := 0; i < len(p.delete) && len(p.create) > 0; {
		old, s := p.delete[i], p.create[len(p.create)-1]
		if old.AddressType != s.AddressType || !ownedBy(old, svc) {
			i++
			continue
		}
		// Updating under the old slice's name and version makes the
		// update conditional on what was planned from.
		s.Name, s.GenerateName, s.ResourceVersion, s.UID = old.Name, old.GenerateName, old.ResourceVersion, old.UID
		p.previous[s.Name] = old.ResourceVersion
		p.create = p.create[:len(p.create)-1]
		p.update = append(p.update, s)
		p.delete = append(p.delete[:i], p.delete[i+1:]...)
	}
	if svc.DeletionTimestamp == nil {
		for _, s := range p.create {
			setTriggerTime(s, triggerTime)
			created, err := c.client.DiscoveryV1().EndpointSlices(svc.Namespace).Create(ctx, s, metav1.CreateOptions{})
			if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
				return nil // every retry would fail the same way
			}
			if err != nil {
				return fmt.Errorf("creating an endpoint slice for service %s/%s: %w", svc.Namespace, svc.Name, err)
			}
			c.tracker.wrote(created, "")
		}
	}
	for _, s := range p.update {
		setTriggerTime(s, triggerTime)
		updated, err := c.client.DiscoveryV1().EndpointSlices(svc.Namespace).Update(ctx, s, metav1.UpdateOptions{})
		if err != nil {
			return fmt.Errorf("updating endpoint slice %s of service %s/%s: %w", s.Name, svc.Namespace, svc.Name, err)
		}
		c.tracker.wrote(updated, p.previous[s.Name])
	}
	for _, s := range p.delete {
		if err := c.deleteSlice(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

func (c *Controller) deleteSlice(ctx context.Context, s *discoveryv1.EndpointSlice) error {
	err := c.client.DiscoveryV1().EndpointSlices(s.Namespace).Delete(ctx, s.Name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting endpoint slice %s/%s: %w", s.Namespace, s.Name, err)
	}
	c.tracker.deleting(s)
	return nil
}

// setTriggerTime sets the last-change-trigger-time annotation, or removes
// it when this sync has no trigger time.
func setTriggerTime(s *discoveryv1.EndpointSlice, t time.Time) {
	if t.IsZero() {
		delete(s.Annotations, corev1.EndpointsLastChangeTriggerTime)
		return
	}
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	s.Annotations[corev1.EndpointsLastChangeTriggerTime] = t.UTC().Format(time.RFC3339Nano)
}
