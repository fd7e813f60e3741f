// Package membership holds what the Endpoints and EndpointSlice controllers
// share: which Services select a pod, whether a pod belongs in a Service's
// endpoints, which pod updates matter, how a service port resolves on a pod,
// and the last-change trigger time. It follows kube-controller-manager's
// endpoint utilities; see the spec controllers-kubelet.md §3.1.
package membership

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// Managed reports whether the controllers compute endpoints for svc: it
// needs a selector (nil means its endpoints are written by hand, as the
// "kubernetes" Service's are) and must not be an ExternalName.
func Managed(svc *corev1.Service) bool {
	return svc.Spec.Selector != nil && svc.Spec.Type != corev1.ServiceTypeExternalName
}

// ShouldPodBeInEndpoints reports whether pod has an endpoint at all: not
// terminal, with an IP, and not terminating unless includeTerminating.
func ShouldPodBeInEndpoints(pod *corev1.Pod, includeTerminating bool) bool {
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return false
	}
	if pod.Status.PodIP == "" && len(pod.Status.PodIPs) == 0 {
		return false
	}
	return includeTerminating || pod.DeletionTimestamp == nil
}

// ShouldSetHostname reports whether the endpoint of pod carries its
// hostname: only when the pod names this Service as its subdomain.
func ShouldSetHostname(pod *corev1.Pod, svc *corev1.Service) bool {
	return pod.Spec.Hostname != "" && pod.Spec.Subdomain == svc.Name && svc.Namespace == pod.Namespace
}

// IsPodReady is true iff the pod's Ready condition is True.
func IsPodReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// PodIPs lists the pod's IPs; status.podIP alone stands for the list when
// status.podIPs is empty (the API server keeps both in step, a fake client
// does not).
func PodIPs(pod *corev1.Pod) []string {
	ips := make([]string, 0, len(pod.Status.PodIPs))
	for _, ip := range pod.Status.PodIPs {
		ips = append(ips, ip.IP)
	}
	if len(ips) == 0 && pod.Status.PodIP != "" {
		ips = append(ips, pod.Status.PodIP)
	}
	return ips
}

// FindPort resolves a service port's targetPort on pod: a number as is, a
// name through the ports of the containers and then of the restartable
// (sidecar) init containers, matching the protocol too.
func FindPort(pod *corev1.Pod, port *corev1.ServicePort) (int32, error) {
	target := port.TargetPort
	if target.Type == intstr.Int {
		if target.IntVal == 0 {
			// The API server defaults targetPort to port; a client that
			// skipped defaulting means the same.
			return port.Port, nil
		}
		return target.IntVal, nil
	}
	protocol := orTCP(port.Protocol)
	for _, c := range pod.Spec.Containers {
		if p, ok := namedPort(c, target.StrVal, protocol); ok {
			return p, nil
		}
	}
	for _, c := range pod.Spec.InitContainers {
		if c.RestartPolicy == nil || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways {
			continue
		}
		if p, ok := namedPort(c, target.StrVal, protocol); ok {
			return p, nil
		}
	}
	return 0, fmt.Errorf("pod %s/%s has no %s port named %q", pod.Namespace, pod.Name, protocol, target.StrVal)
}

func namedPort(c corev1.Container, name string, protocol corev1.Protocol) (int32, bool) {
	for _, p := range c.Ports {
		if p.Name == name && orTCP(p.Protocol) == protocol {
			return p.ContainerPort, true
		}
	}
	return 0, false
}

func orTCP(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// ServicesSelecting returns the keys of the Services in pod's namespace
// whose selector matches pod's labels (ExternalName ones included, as
// upstream: their sync ignores them).
func ServicesSelecting(services corelisters.ServiceLister, pod *corev1.Pod) (sets.Set[string], error) {
	keys := sets.New[string]()
	list, err := services.Services(pod.Namespace).List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("listing services of %s: %w", pod.Namespace, err)
	}
	for _, svc := range list {
		if svc.Spec.Selector == nil {
			continue
		}
		if labels.SelectorFromValidatedSet(svc.Spec.Selector).Matches(labels.Set(pod.Labels)) {
			key, err := cache.MetaNamespaceKeyFunc(svc)
			if err != nil {
				return nil, err
			}
			keys.Insert(key)
		}
	}
	return keys, nil
}

// PodFromDelete unwraps the object of a delete event.
func PodFromDelete(obj any) *corev1.Pod {
	if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tombstone.Obj
	}
	pod, _ := obj.(*corev1.Pod)
	return pod
}
