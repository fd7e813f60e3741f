package endpointslice

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry/registrytest"
)

func newSlice(t discoveryv1.AddressType, addrs ...string) *discoveryv1.EndpointSlice {
	eps := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "web-abcde", Namespace: "default", Labels: map[string]string{discoveryv1.LabelServiceName: "web"}},
		AddressType: t,
		Ports:       []discoveryv1.EndpointPort{{Name: ptr.To("http"), Port: ptr.To[int32](80)}},
	}
	for _, a := range addrs {
		eps.Endpoints = append(eps.Endpoints, discoveryv1.Endpoint{Addresses: []string{a}})
	}
	return eps
}

func TestDefault(t *testing.T) {
	t.Parallel()
	eps := &discoveryv1.EndpointSlice{Ports: []discoveryv1.EndpointPort{{Port: ptr.To[int32](80)}, {Name: ptr.To("dns"), Protocol: ptr.To(corev1.ProtocolUDP)}}}
	Resource().Strategy.Default(eps)
	want := []discoveryv1.EndpointPort{
		{Name: ptr.To(""), Protocol: ptr.To(corev1.ProtocolTCP), Port: ptr.To[int32](80)},
		{Name: ptr.To("dns"), Protocol: ptr.To(corev1.ProtocolUDP)},
	}
	if !apiequality.Semantic.DeepEqual(eps.Ports, want) {
		t.Errorf("ports = %+v, want %+v", eps.Ports, want)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	with := func(eps *discoveryv1.EndpointSlice, edit func(*discoveryv1.EndpointSlice)) *discoveryv1.EndpointSlice {
		edit(eps)
		return eps
	}
	tests := []struct {
		name string
		eps  *discoveryv1.EndpointSlice
		want []string
	}{
		{name: "ipv4", eps: newSlice(discoveryv1.AddressTypeIPv4, "10.244.1.5", "10.244.2.7")},
		{name: "ipv6", eps: newSlice(discoveryv1.AddressTypeIPv6, "fd00::5")},
		{name: "fqdn", eps: newSlice(discoveryv1.AddressTypeFQDN, "example.com")},
		{name: "no endpoints", eps: newSlice(discoveryv1.AddressTypeIPv4)},
		{name: "address type missing", eps: newSlice(""), want: []string{"addressType: Required value"}},
		{name: "address type unknown", eps: newSlice("IPv5"), want: []string{`addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"`}},
		{name: "not an IP", eps: newSlice(discoveryv1.AddressTypeIPv4, "web"), want: []string{`endpoints[0].addresses[0]: Invalid value: "web": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`}},
		{name: "ipv6 in an ipv4 slice", eps: newSlice(discoveryv1.AddressTypeIPv4, "fd00::5"), want: []string{`endpoints[0].addresses[0]: Invalid value: "fd00::5": must be an IPv4 address`}},
		{name: "leading zeros", eps: newSlice(discoveryv1.AddressTypeIPv4, "10.244.01.5"), want: []string{`endpoints[0].addresses[0]: Invalid value: "10.244.01.5": must not have leading 0s`}},
		{name: "loopback", eps: newSlice(discoveryv1.AddressTypeIPv4, "127.0.0.1"), want: []string{`endpoints[0].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)`}},
		{
			name: "fqdn invalid",
			eps:  newSlice(discoveryv1.AddressTypeFQDN, "web"),
			want: []string{`endpoints[0].addresses[0]: Invalid value: "web": should be a domain with at least two segments separated by dots`},
		},
		{
			name: "endpoint without addresses",
			eps:  with(newSlice(discoveryv1.AddressTypeIPv4), func(e *discoveryv1.EndpointSlice) { e.Endpoints = []discoveryv1.Endpoint{{}} }),
			want: []string{"endpoints[0].addresses: Required value: must contain at least 1 address"},
		},
		{
			name: "too many endpoints",
			eps:  with(newSlice(discoveryv1.AddressTypeIPv4), func(e *discoveryv1.EndpointSlice) { e.Endpoints = make([]discoveryv1.Endpoint, maxEndpoints+1) }),
			want: []string{"endpoints: Too many: 1001: must have at most 1000 items"},
		},
		{
			name: "too many addresses",
			eps: with(newSlice(discoveryv1.AddressTypeIPv4), func(e *discoveryv1.EndpointSlice) {
				e.Endpoints = []discoveryv1.Endpoint{{Addresses: make([]string, maxAddresses+1)}}
				for i := range e.Endpoints[0].Addresses {
					e.Endpoints[0].Addresses[i] = "10.0.0.1"
				}
			}),
			want: []string{"endpoints[0].addresses: Too many: 101: must have at most 100 items"},
		},
		{
			name: "bad hostname and node name",
			eps: with(newSlice(discoveryv1.AddressTypeIPv4, "10.0.0.1"), func(e *discoveryv1.EndpointSlice) {
				e.Endpoints[0].Hostname = ptr.To("Web_1")
				e.Endpoints[0].NodeName = ptr.To("Node_1")
			}),
			want: []string{
				`endpoints[0].nodeName: Invalid value: "Node_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
				`endpoints[0].hostname: Invalid value: "Web_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
			},
		},
		{
			name: "duplicate port names",
			eps: with(newSlice(discoveryv1.AddressTypeIPv4), func(e *discoveryv1.EndpointSlice) {
				e.Ports = append(e.Ports, discoveryv1.EndpointPort{Name: ptr.To("http"), Protocol: ptr.To(corev1.ProtocolTCP)})
			}),
			want: []string{`ports[1].name: Duplicate value: "http"`},
		},
		{
			name: "bad protocol",
			eps: with(newSlice(discoveryv1.AddressTypeIPv4), func(e *discoveryv1.EndpointSlice) {
				e.Ports[0].Protocol = ptr.To[corev1.Protocol]("HTTP")
			}),
			want: []string{`ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Resource().Strategy
			s.Default(tt.eps)
			registrytest.CheckErrors(t, s.Validate(t.Context(), tt.eps), tt.want...)
		})
	}
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	s := Resource().Strategy
	old := newSlice(discoveryv1.AddressTypeIPv4, "10.0.0.1")
	s.Default(old)
	old.Generation = 3

	t.Run("address type is immutable", func(t *testing.T) {
		t.Parallel()
		eps := old.DeepCopy()
		eps.AddressType = discoveryv1.AddressTypeFQDN
		eps.Endpoints = nil
		registrytest.CheckErrors(t, s.ValidateUpdate(t.Context(), eps, old), `addressType: Invalid value: "FQDN": field is immutable`)
	})
	t.Run("unchanged endpoints are not checked again", func(t *testing.T) {
		t.Parallel()
		stored := old.DeepCopy()
		stored.Endpoints[0].Addresses[0] = "010.0.0.1" // accepted by an older release
		eps := stored.DeepCopy()
		eps.Annotations = map[string]string{"a": "b"}
		registrytest.CheckErrors(t, s.ValidateUpdate(t.Context(), eps, stored))
	})
	for _, tt := range []struct {
		name string
		edit func(*discoveryv1.EndpointSlice)
		want int64
	}{
		{name: "annotations keep generation", edit: func(e *discoveryv1.EndpointSlice) { e.Annotations = map[string]string{"a": "b"} }, want: 3},
		{name: "labels bump generation", edit: func(e *discoveryv1.EndpointSlice) { e.Labels = map[string]string{"a": "b"} }, want: 4},
		{name: "endpoints bump generation", edit: func(e *discoveryv1.EndpointSlice) { e.Endpoints = nil }, want: 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			eps := old.DeepCopy()
			tt.edit(eps)
			s.PrepareForUpdate(t.Context(), eps, old)
			if eps.Generation != tt.want {
				t.Errorf("generation = %d, want %d", eps.Generation, tt.want)
			}
		})
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_000_000, 0)
	many := newSlice(discoveryv1.AddressTypeIPv4, "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5")
	many.CreationTimestamp = metav1.NewTime(now.Add(-3 * time.Minute))
	many.Ports = []discoveryv1.EndpointPort{{Port: ptr.To[int32](80)}, {Name: ptr.To("metrics")}, {}, {Port: ptr.To[int32](443)}}
	tests := []struct {
		name  string
		eps   *discoveryv1.EndpointSlice
		cells []any
	}{
		{name: "more than three", eps: many, cells: []any{"web-abcde", "IPv4", "80,metrics,* + 1 more...", "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...", "3m"}},
		{
			name:  "empty",
			eps:   &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Name: "e"}, AddressType: discoveryv1.AddressTypeIPv4},
			cells: []any{"e", "IPv4", "<unset>", "<unset>", "<unknown>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tbl := Resource().Table
			cells := tbl.Row(tt.eps, now)
			if len(cells) != len(tbl.Columns) || !apiequality.Semantic.DeepEqual(cells, tt.cells) {
				t.Errorf("cells = %v, want %v", cells, tt.cells)
			}
		})
	}
}
