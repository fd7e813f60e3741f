package endpoints

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func addrs(ips ...string) []corev1.EndpointAddress {
	out := make([]corev1.EndpointAddress, len(ips))
	for i, ip := range ips {
		out[i] = corev1.EndpointAddress{IP: ip}
	}
	return out
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		subset corev1.EndpointSubset
		want   string
	}{
		{name: "one port", subset: corev1.EndpointSubset{Addresses: addrs("10.0.0.1"), Ports: []corev1.EndpointPort{{Port: 80}}}},
		{name: "not ready only", subset: corev1.EndpointSubset{NotReadyAddresses: addrs("10.0.0.1")}},
		{name: "no addresses", subset: corev1.EndpointSubset{Ports: []corev1.EndpointPort{{Port: 80}}}, want: "subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`"},
		{name: "bad ip", subset: corev1.EndpointSubset{Addresses: addrs("10.0.0")}, want: `subsets[0].addresses[0].ip: Invalid value: "10.0.0": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`},
		{name: "loopback", subset: corev1.EndpointSubset{Addresses: addrs("127.0.0.1")}, want: `subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)`},
		{name: "unnamed second port", subset: corev1.EndpointSubset{Addresses: addrs("10.0.0.1"), Ports: []corev1.EndpointPort{{Name: "a", Port: 80}, {Port: 81}}}, want: "subsets[0].ports[1].name: Required value"},
		{name: "port zero", subset: corev1.EndpointSubset{Addresses: addrs("10.0.0.1"), Ports: []corev1.EndpointPort{{Port: 0}}}, want: "subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"},
		{name: "bad protocol", subset: corev1.EndpointSubset{Addresses: addrs("10.0.0.1"), Ports: []corev1.EndpointPort{{Port: 80, Protocol: "ICMP"}}}, want: `subsets[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Resource().Strategy
			ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Subsets: []corev1.EndpointSubset{tt.subset}}
			s.Default(ep)
			for _, p := range ep.Subsets[0].Ports {
				if p.Protocol == "" {
					t.Errorf("protocol not defaulted: %+v", p)
				}
			}
			checkErrors(t, s.Validate(t.Context(), ep), tt.want)
			checkErrors(t, s.ValidateUpdate(t.Context(), ep, ep.DeepCopy()), tt.want)
		})
	}
}

func TestAllowCreateOnUpdate(t *testing.T) {
	t.Parallel()
	if !Resource().Strategy.AllowCreateOnUpdate() {
		t.Error("endpoints must allow create on update")
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_000_000, 0)
	tests := []struct {
		name    string
		subsets []corev1.EndpointSubset
		want    string
	}{
		{name: "none", want: "<none>"},
		{name: "two", subsets: []corev1.EndpointSubset{{Addresses: addrs("10.0.0.1", "10.0.0.2"), Ports: []corev1.EndpointPort{{Port: 80}}}}, want: "10.0.0.1:80,10.0.0.2:80"},
		{name: "exactly three", subsets: []corev1.EndpointSubset{{Addresses: addrs("10.0.0.1", "10.0.0.2", "10.0.0.3"), Ports: []corev1.EndpointPort{{Port: 80}}}}, want: "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80"},
		{
			name:    "addresses times ports",
			subsets: []corev1.EndpointSubset{{Addresses: addrs("10.0.0.1", "10.0.0.2"), Ports: []corev1.EndpointPort{{Name: "http", Port: 80}, {Name: "https", Port: 443}}}},
			want:    "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...",
		},
		{name: "headless without ports", subsets: []corev1.EndpointSubset{{Addresses: addrs("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5")}}, want: "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more..."},
		{name: "ipv6", subsets: []corev1.EndpointSubset{{Addresses: addrs("fd00::1"), Ports: []corev1.EndpointPort{{Port: 80}}}}, want: "[fd00::1]:80"},
		{name: "not ready only", subsets: []corev1.EndpointSubset{{NotReadyAddresses: addrs("10.0.0.1"), Ports: []corev1.EndpointPort{{Port: 80}}}}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tbl := Resource().Table
			ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "web", CreationTimestamp: metav1.NewTime(now.Add(-time.Minute))}, Subsets: tt.subsets}
			cells := tbl.Row(ep, now)
			if want := []any{"web", tt.want, "60s"}; len(cells) != len(tbl.Columns) || !apiequality.Semantic.DeepEqual(cells, want) {
				t.Errorf("cells = %q, want %q", cells, want)
			}
		})
	}
}

// checkErrors compares an error list with one expected message ("" = none).
func checkErrors(t *testing.T, errs field.ErrorList, want string) {
	t.Helper()
	switch {
	case want == "" && len(errs) > 0:
		t.Errorf("unexpected errors: %v", errs)
	case want != "" && (len(errs) != 1 || errs[0].Error() != want):
		t.Errorf("errors = %v, want %q", errs, want)
	}
}
