package scheduler

import corev1 "k8s.io/api/core/v1"

// wildcardIP is the host IP of a port that does not name one: it
// conflicts with the same protocol and port on every address.
const wildcardIP = "0.0.0.0"

// hostPort is one host port a pod asks for.
type hostPort struct {
	ip       string
	protocol corev1.Protocol
	port     int32
}

// protoPort is a host port without its address.
type protoPort struct {
	protocol corev1.Protocol
	port     int32
}

// portSet counts the host ports in use on a node, by protocol and port,
// then by address.
type portSet map[protoPort]map[string]int

// podHostPorts lists the host ports of pod's containers (init containers
// included, as upstream), defaulting the protocol to TCP and the address
// to the wildcard.
func podHostPorts(pod *corev1.Pod) []hostPort {
	var out []hostPort
	add := func(cs []corev1.Container) {
		for _, c := range cs {
			for _, p := range c.Ports {
				if p.HostPort <= 0 {
					continue
				}
				hp := hostPort{ip: p.HostIP, protocol: p.Protocol, port: p.HostPort}
				if hp.ip == "" {
					hp.ip = wildcardIP
				}
				if hp.protocol == "" {
					hp.protocol = corev1.ProtocolTCP
				}
				out = append(out, hp)
			}
		}
	}
	add(pod.Spec.InitContainers)
	add(pod.Spec.Containers)
	return out
}

func (s portSet) add(hp hostPort, delta int) {
	k := protoPort{hp.protocol, hp.port}
	ips := s[k]
	if ips == nil {
		ips = map[string]int{}
		s[k] = ips
	}
	ips[hp.ip] += delta
	if ips[hp.ip] <= 0 {
		delete(ips, hp.ip)
	}
	if len(ips) == 0 {
		delete(s, k)
	}
}

// conflicts tells whether hp collides with a port in use: same protocol
// and port, and the same address or either one the wildcard.
func (s portSet) conflicts(hp hostPort) bool {
	ips := s[protoPort{hp.protocol, hp.port}]
	if len(ips) == 0 {
		return false
	}
	if hp.ip == wildcardIP {
		return true
	}
	return ips[hp.ip] > 0 || ips[wildcardIP] > 0
}
