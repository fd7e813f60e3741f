package service

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestTable(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_000_000, 0)
	created := metav1.NewTime(now.Add(-25 * time.Hour))
	tests := []struct {
		name  string
		spec  corev1.ServiceSpec
		lb    []corev1.LoadBalancerIngress
		cells []any
	}{
		{
			name:  "cluster IP",
			spec:  corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ClusterIPs: []string{"10.96.1.1"}, Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80, Protocol: corev1.ProtocolTCP}, {Port: 53, Protocol: corev1.ProtocolUDP}}},
			cells: []any{"web", "ClusterIP", "10.96.1.1", "<none>", "80/TCP,53/UDP", "25h", "app=web"},
		},
		{
			name:  "headless without selector",
			spec:  corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ClusterIPs: []string{"None"}},
			cells: []any{"web", "ClusterIP", "None", "<none>", "<none>", "25h", "<none>"},
		},
		{
			name:  "node port",
			spec:  corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, ClusterIPs: []string{"10.96.1.2"}, ExternalIPs: []string{"192.0.2.1", "192.0.2.2"}, Ports: []corev1.ServicePort{{Port: 80, NodePort: 30080, Protocol: corev1.ProtocolTCP}}},
			cells: []any{"web", "NodePort", "10.96.1.2", "192.0.2.1,192.0.2.2", "80:30080/TCP", "25h", "<none>"},
		},
		{
			name:  "pending load balancer",
			spec:  corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, ClusterIPs: []string{"10.96.1.3"}, Ports: []corev1.ServicePort{{Port: 443, Protocol: corev1.ProtocolTCP}}},
			cells: []any{"web", "LoadBalancer", "10.96.1.3", "<pending>", "443/TCP", "25h", "<none>"},
		},
		{
			name:  "load balancer",
			spec:  corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, ClusterIPs: []string{"10.96.1.3"}, ExternalIPs: []string{"192.0.2.7"}},
			lb:    []corev1.LoadBalancerIngress{{IP: "203.0.113.9"}, {Hostname: "a-very-long-hostname.elb.example.com"}, {IP: "203.0.113.9"}},
			cells: []any{"web", "LoadBalancer", "10.96.1.3", "203.0.113.9,a-very-long-hostname.elb.example.com,192.0.2.7", "<none>", "25h", "<none>"},
		},
		{
			name:  "external name",
			spec:  corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "db.example.com"},
			cells: []any{"web", "ExternalName", "<none>", "db.example.com", "<none>", "25h", "<none>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tbl := Resource(mustAllocator(t, DefaultServiceCIDR)).Table
			svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", CreationTimestamp: created}, Spec: tt.spec}
			svc.Status.LoadBalancer.Ingress = tt.lb
			cells := tbl.Row(svc, now)
			if len(cells) != len(tbl.Columns) || !apiequality.Semantic.DeepEqual(cells, tt.cells) {
				t.Errorf("cells = %q\nwant    %q", cells, tt.cells)
			}
		})
	}
}

func TestResource(t *testing.T) {
	t.Parallel()
	alloc := mustAllocator(t, DefaultServiceCIDR)
	res := Resource(alloc)
	tests := []struct {
		name string
		ok   bool
	}{
		{name: "short name", ok: res.ShortNames[0] == "svc"},
		{name: "in category all", ok: res.Categories[0] == "all"},
		{name: "status subresource", ok: res.StatusStrategy != nil},
		{name: "DNS-1035 names", ok: len(res.ValidateName("1web", false)) > 0 && len(res.ValidateName("web-1", false)) == 0},
		{name: "fresh description", ok: Resource(alloc) != res},
		{name: "selectable fields", ok: len(res.SelectableFields(res.New())) == 2},
		{
			name: "cluster IP field",
			ok:   res.SelectableFields(&corev1.Service{Spec: corev1.ServiceSpec{ClusterIP: "None", Type: corev1.ServiceTypeClusterIP}})["spec.clusterIP"] == "None",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !tt.ok {
				t.Errorf("%s: unexpected resource %+v", tt.name, res)
			}
		})
	}
}
