package kubernetesservice

import (
	"context"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// sync creates the Service if it is missing (an existing one is left as
// it is: kube-apiserver stopped reconciling its spec in v1.17), then makes
// the Endpoints and the EndpointSlice list the API server.
func (c *Controller) sync(ctx context.Context) error {
	if _, err := c.services.Services(metav1.NamespaceDefault).Get(ServiceName); apierrors.IsNotFound(err) {
		_, err := c.client.CoreV1().Services(metav1.NamespaceDefault).Create(ctx, c.desiredService(), metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating service default/kubernetes: %w", err)
		}
	}
	if err := c.syncEndpoints(ctx); err != nil {
		return err
	}
	return c.syncSlice(ctx)
}

// desiredEndpoints lists the API server. The skip-mirror label keeps the
// EndpointSlice mirroring controller away: this controller writes the
// slice itself.
func (c *Controller) desiredEndpoints() *corev1.Endpoints {
	return &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{
			Name: ServiceName, Namespace: metav1.NamespaceDefault,
			Labels: map[string]string{discoveryv1.LabelSkipMirror: "true"},
		},
		Subsets: []corev1.EndpointSubset{{
			Addresses: []corev1.EndpointAddress{{IP: c.address.String()}},
			Ports:     c.endpointPorts(),
		}},
	}
}

func (c *Controller) syncEndpoints(ctx context.Context) error {
	want := c.desiredEndpoints()
	current, err := c.endpoints.Endpoints(metav1.NamespaceDefault).Get(ServiceName)
	if apierrors.IsNotFound(err) {
		_, err = c.client.CoreV1().Endpoints(metav1.NamespaceDefault).Create(ctx, want, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating endpoints default/kubernetes: %w", err)
		}
		return nil
	}
	if err != nil {
		return err
	}
	if equality.Semantic.DeepEqual(current.Subsets, want.Subsets) && current.Labels[discoveryv1.LabelSkipMirror] == "true" {
		return nil
	}
	update := current.DeepCopy()
	update.Subsets = want.Subsets
	if update.Labels == nil {
		update.Labels = map[string]string{}
	}
	update.Labels[discoveryv1.LabelSkipMirror] = "true"
	if _, err := c.client.CoreV1().Endpoints(metav1.NamespaceDefault).Update(ctx, update, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("updating endpoints default/kubernetes: %w", err)
	}
	return nil
}

// desiredSlice mirrors the Endpoints as kube-apiserver's endpoints adapter
// does: named like the Service, labelled only with the service name (no
// managed-by label, so the EndpointSlice controller never touches it),
// one ready endpoint.
func (c *Controller) desiredSlice() *discoveryv1.EndpointSlice {
	addressType := discoveryv1.AddressTypeIPv4
	if c.address.Is6() && !c.address.Is4In6() {
		addressType = discoveryv1.AddressTypeIPv6
	}
	ready := true
	ports := c.endpointPorts()
	return &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			Name: ServiceName, Namespace: metav1.NamespaceDefault,
			Labels: map[string]string{discoveryv1.LabelServiceName: ServiceName},
		},
		AddressType: addressType,
		Endpoints: []discoveryv1.Endpoint{{
			Addresses: []string{c.address.String()}, Conditions: discoveryv1.EndpointConditions{Ready: &ready},
		}},
		Ports: []discoveryv1.EndpointPort{{Name: &ports[0].Name, Port: &ports[0].Port, Protocol: &ports[0].Protocol}},
	}
}

// syncSlice reads and writes the slice directly (it is not watched). A
// server that does not serve EndpointSlices answers 404 to the create;
// that is logged once and not retried until the next interval.
func (c *Controller) syncSlice(ctx context.Context) error {
	want := c.desiredSlice()
	slices := c.client.DiscoveryV1().EndpointSlices(metav1.NamespaceDefault)
	current, err := slices.Get(ctx, ServiceName, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = slices.Create(ctx, want, metav1.CreateOptions{})
		if apierrors.IsNotFound(err) {
			c.slicesUnserved.Do(func() { c.log.Info("the server does not serve EndpointSlices; only Endpoints are published") })
			return nil
		}
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating endpoint slice default/kubernetes: %w", err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("reading endpoint slice default/kubernetes: %w", err)
	case current.AddressType != want.AddressType:
		// The address type is immutable: replace the slice.
		if err := slices.Delete(ctx, ServiceName, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("replacing endpoint slice default/kubernetes: %w", err)
		}
		_, err = slices.Create(ctx, want, metav1.CreateOptions{})
		return err
	case equality.Semantic.DeepEqual(current.Endpoints, want.Endpoints) && equality.Semantic.DeepEqual(current.Ports, want.Ports) &&
		maps.Equal(current.Labels, want.Labels):
		return nil
	}
	update := current.DeepCopy()
	update.Endpoints, update.Ports, update.Labels = want.Endpoints, want.Ports, want.Labels
	if _, err := slices.Update(ctx, update, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("updating endpoint slice default/kubernetes: %w", err)
	}
	return nil
}
