package service

import (
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/registry"
)

// table is upstream's service table: Name, Type, Cluster-IP, External-IP,
// Port(s), Age, and with -o wide Selector.
func table() *registry.Table {
	doc := corev1.ServiceSpec{}.SwaggerDoc()
	return &registry.Table{
		Columns: []metav1.TableColumnDefinition{
			{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
			{Name: "Type", Type: "string", Description: doc["type"]},
			{Name: "Cluster-IP", Type: "string", Description: doc["clusterIP"]},
			{Name: "External-IP", Type: "string", Description: doc["externalIPs"]},
			{Name: "Port(s)", Type: "string", Description: doc["ports"]},
			registry.AgeColumn,
			{Name: "Selector", Type: "string", Priority: 1, Description: doc["selector"]},
		},
		Row: func(obj runtime.Object, now time.Time) []any {
			svc := obj.(*corev1.Service)
			clusterIP := "<none>"
			if len(svc.Spec.ClusterIPs) > 0 {
				clusterIP = svc.Spec.ClusterIPs[0]
			}
			ports := portString(svc.Spec.Ports)
			if ports == "" {
				ports = "<none>"
			}
			return []any{svc.Name, string(svc.Spec.Type), clusterIP, externalIP(svc), ports,
				registry.Age(svc.CreationTimestamp, now), labels.FormatLabels(svc.Spec.Selector)}
		},
	}
}

// externalIP is upstream's getServiceExternalIP as the server prints it
// (wide: load balancer addresses are not truncated).
func externalIP(svc *corev1.Service) string {
	switch svc.Spec.Type {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort:
		if len(svc.Spec.ExternalIPs) > 0 {
			return strings.Join(svc.Spec.ExternalIPs, ",")
		}
		return "<none>"
	case corev1.ServiceTypeLoadBalancer:
		ips := append(loadBalancerAddresses(svc.Status.LoadBalancer), svc.Spec.ExternalIPs...)
		if len(ips) > 0 {
			return strings.Join(ips, ",")
		}
		return "<pending>"
	case corev1.ServiceTypeExternalName:
		return svc.Spec.ExternalName
	}
	return "<unknown>"
}

// loadBalancerAddresses lists the ingress IPs (or hostnames), sorted and
// without duplicates.
func loadBalancerAddresses(s corev1.LoadBalancerStatus) []string {
	var out []string
	for _, ing := range s.Ingress {
		switch {
		case ing.IP != "":
			out = append(out, ing.IP)
		case ing.Hostname != "":
			out = append(out, ing.Hostname)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// portString is upstream's makePortString: port/protocol, with the node
// port as port:nodePort/protocol.
func portString(ports []corev1.ServicePort) string {
	pieces := make([]string, len(ports))
	for i, p := range ports {
		if p.NodePort > 0 {
			pieces[i] = fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, p.Protocol)
		} else {
			pieces[i] = fmt.Sprintf("%d/%s", p.Port, p.Protocol)
		}
	}
	return strings.Join(pieces, ",")
}
