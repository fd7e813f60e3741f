package endpoints

import (
	"net/netip"

	corev1 "k8s.io/api/core/v1"

	"github.com/evictd/evictd/internal/controller/endpoints/membership"
)

// desiredSubsets lists the addresses of the pods that belong in svc's
// Endpoints, one single-address subset per pod and port, then repacks
// them. A terminating pod belongs only when the Service publishes
// not-ready addresses; then it stays in addresses until it turns terminal.
func desiredSubsets(svc *corev1.Service, pods []*corev1.Pod) []corev1.EndpointSubset {
	publish := svc.Spec.PublishNotReadyAddresses
	var subsets []corev1.EndpointSubset
	for _, pod := range pods {
		if !membership.ShouldPodBeInEndpoints(pod, publish) {
			continue
		}
		addr, ok := podAddress(svc, pod)
		if !ok {
			// No IP of the Service's family (a single-stack pod behind
			// the other family's Service): skipped, as upstream.
			continue
		}
		if membership.ShouldSetHostname(pod, svc) {
			addr.Hostname = pod.Spec.Hostname
		}
		ready := publish || membership.IsPodReady(pod)
		if len(svc.Spec.Ports) == 0 {
			// Only a headless Service may have no ports; its addresses
			// carry none. A Service with a cluster IP and no ports gets
			// no addresses.
			if svc.Spec.ClusterIP == corev1.ClusterIPNone {
				subsets = append(subsets, subset(addr, nil, ready))
			}
			continue
		}
		for i := range svc.Spec.Ports {
			sp := &svc.Spec.Ports[i]
			num, err := membership.FindPort(pod, sp)
			if err != nil {
				continue // the pod lacks the named port: not in this port's list
			}
			port := corev1.EndpointPort{Name: sp.Name, Port: num, Protocol: sp.Protocol, AppProtocol: sp.AppProtocol}
			subsets = append(subsets, subset(addr, &port, ready))
		}
	}
	return repack(subsets)
}

func subset(addr corev1.EndpointAddress, port *corev1.EndpointPort, ready bool) corev1.EndpointSubset {
	s := corev1.EndpointSubset{Ports: []corev1.EndpointPort{}}
	if port != nil {
		s.Ports = append(s.Ports, *port)
	}
	if ready {
		s.Addresses = []corev1.EndpointAddress{addr}
	} else {
		s.NotReadyAddresses = []corev1.EndpointAddress{addr}
	}
	return s
}

// podAddress is the pod's address for svc: its first IP of the Service's
// primary family (spec.ipFamilies[0], else the cluster IP's family, else
// the pod's primary IP's), with nodeName and a targetRef to the pod.
func podAddress(svc *corev1.Service, pod *corev1.Pod) (corev1.EndpointAddress, bool) {
	wantV6 := wantsIPv6(svc, pod)
	for _, ip := range membership.PodIPs(pod) {
		if isIPv6(ip) != wantV6 {
			continue
		}
		nodeName := pod.Spec.NodeName
		return corev1.EndpointAddress{
			IP:       ip,
			NodeName: &nodeName,
			TargetRef: &corev1.ObjectReference{
				Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID,
			},
		}, true
	}
	return corev1.EndpointAddress{}, false
}

func wantsIPv6(svc *corev1.Service, pod *corev1.Pod) bool {
	switch {
	case len(svc.Spec.IPFamilies) > 0:
		return svc.Spec.IPFamilies[0] == corev1.IPv6Protocol
	case !isHeadless(svc):
		return isIPv6(svc.Spec.ClusterIP)
	default:
		ips := membership.PodIPs(pod)
		return len(ips) > 0 && isIPv6(ips[0])
	}
}

func isIPv6(ip string) bool {
	addr, err := netip.ParseAddr(ip)
	return err == nil && addr.Is6() && !addr.Is4In6()
}
