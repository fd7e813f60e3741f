package server

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
	return repairServiceIPs(ctx, stores)
}

// repairServiceIPs makes the stored cluster-IP allocations (IPAddress
// objects) agree with the stored services before the server serves, as
// kube-apiserver's repair does at start: services that hold an address
// without its object (written by an older evictd) get one, allocations
// older than a minute whose service never came are freed, and addresses
// several services hold are logged.
func repairServiceIPs(ctx context.Context, stores *stores) error {
	services, err := stores.get(corev1.SchemeGroupVersion.WithResource("services"))
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if _, err := stores.serviceIPs.Repair(ctx, services); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	return nil
}
