package endpointslice

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	discoveryv1beta1 "k8s.io/api/discovery/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/registry"
)

// maxListed is how many ports or addresses a cell shows before "+ N more...".
const maxListed = 3

// table is kube-apiserver's EndpointSlice table (printEndpointSlice), with
// upstream's descriptions, still read from the v1beta1 type.
func table() *registry.Table {
	return &registry.Table{
		Columns: []metav1.TableColumnDefinition{
			{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
			{Name: "AddressType", Type: "string", Description: discoveryv1beta1.EndpointSlice{}.SwaggerDoc()["addressType"]},
			{Name: "Ports", Type: "string", Description: discoveryv1beta1.EndpointSlice{}.SwaggerDoc()["ports"]},
			{Name: "Endpoints", Type: "string", Description: discoveryv1beta1.EndpointSlice{}.SwaggerDoc()["endpoints"]},
			registry.AgeColumn,
		},
		Row: func(obj runtime.Object, now time.Time) []any {
			eps := obj.(*discoveryv1.EndpointSlice)
			return []any{eps.Name, string(eps.AddressType), formatPorts(eps.Ports), formatEndpoints(eps.Endpoints), registry.Age(eps.CreationTimestamp, now)}
		},
	}
}

// formatPorts lists port numbers, or the name of a port without one, or
// "*" for a port with neither.
func formatPorts(ports []discoveryv1.EndpointPort) string {
	var list []string
	for _, p := range ports {
		switch {
		case len(list) == maxListed:
		case p.Port != nil:
			list = append(list, strconv.Itoa(int(*p.Port)))
		case p.Name != nil:
			list = append(list, *p.Name)
		default:
			list = append(list, "*")
		}
	}
	return listWithMore(list, len(ports))
}

// formatEndpoints lists the addresses of all endpoints, ready or not.
func formatEndpoints(endpoints []discoveryv1.Endpoint) string {
	var list []string
	count := 0
	for _, ep := range endpoints {
		for _, a := range ep.Addresses {
			if len(list) < maxListed {
				list = append(list, a)
			}
			count++
		}
	}
	return listWithMore(list, count)
}

// listWithMore is upstream's listWithMoreString: the first items, a count
// of the rest, or "<unset>" for none.
func listWithMore(list []string, count int) string {
	s := strings.Join(list, ",")
	if count > maxListed {
		return fmt.Sprintf("%s + %d more...", s, count-maxListed)
	}
	if s == "" {
		return "<unset>"
	}
	return s
}
