package service

import (
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// ReserveClusterIPs marks the cluster IPs that stored services hold as
// used in alloc. A server starting over durable storage (etcd) calls it
// before it serves: its allocator starts empty, and would otherwise hand
// out addresses that services already have. kube-apiserver rebuilds its
// allocation from the stored services the same way (its cluster-IP
// repair loop). Services whose address cannot be reserved (outside the
// range, or held by another service too) are returned in the error, each
// named; the others are reserved all the same.
func ReserveClusterIPs(alloc IPAllocator, services []corev1.Service) error {
	var errs []error
	for i := range services {
		svc := &services[i]
		for _, ip := range heldIPs(svc) {
			if err := alloc.Reserve(ip); err != nil {
				errs = append(errs, fmt.Errorf("service %s/%s: cluster IP %s: %w", svc.Namespace, svc.Name, ip, err))
			}
		}
	}
	return errors.Join(errs...)
}

// heldIPs are the addresses svc holds: its clusterIPs (or the single
// clusterIP of an object written before clusterIPs existed), not "None".
func heldIPs(svc *corev1.Service) []string {
	ips := svc.Spec.ClusterIPs
	if len(ips) == 0 && svc.Spec.ClusterIP != "" {
		ips = []string{svc.Spec.ClusterIP}
	}
	held := make([]string, 0, len(ips))
	for _, ip := range ips {
		if ip != "" && ip != corev1.ClusterIPNone {
			held = append(held, ip)
		}
	}
	return held
}
