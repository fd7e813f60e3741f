package server

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/evictd/evictd/internal/registry/service"
	"github.com/evictd/evictd/internal/registry/store"
)

// systemNamespaces exist in every cluster from the start.
var systemNamespaces = []string{metav1.NamespaceDefault, metav1.NamespaceSystem, metav1.NamespacePublic, corev1.NamespaceNodeLease}

// bootstrap creates the system namespaces if they do not exist yet (a
// durable store keeps them across restarts).
func bootstrap(ctx context.Context, stores *stores) error {
	namespaces, err := stores.get(corev1.SchemeGroupVersion.WithResource("namespaces"))
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	for _, name := range systemNamespaces {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		_, err := namespaces.Create(ctx, ns, store.CreateOptions{FieldManager: "evictd"})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("bootstrap namespace %s: %w", name, err)
		}
	}
	return reserveServiceIPs(ctx, stores)
}

// reserveServiceIPs marks the cluster IPs of the stored services used: over
// a durable store (etcd) the services outlive the process, and the new
// allocator would otherwise hand their addresses out again. What cannot be
// reserved is left as it is: an address two stored services share is
// marked used by the first, and one outside the range can never be handed
// out, so neither can collide with a new service.
func reserveServiceIPs(ctx context.Context, stores *stores) error {
	services, err := stores.get(corev1.SchemeGroupVersion.WithResource("services"))
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	list, err := services.List(ctx, "", store.ListOptions{})
	if err != nil {
		return fmt.Errorf("bootstrap: list services: %w", err)
	}
	_ = service.ReserveClusterIPs(stores.serviceIPs, list.(*corev1.ServiceList).Items)
	return nil
}
