package service

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry"
)

// web is the service `kubectl expose deployment web --port 80` sends.
func web() *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "web"},
			Ports:    []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}},
		},
	}
}

// create runs the store's create sequence on svc and returns the errors.
func create(t *testing.T, s registry.Strategy, svc *corev1.Service) field.ErrorList {
	t.Helper()
	s.Default(svc)
	s.PrepareForCreate(t.Context(), svc)
	return s.Validate(t.Context(), svc)
}

// update runs the store's update sequence and returns the errors.
func update(t *testing.T, s registry.Strategy, svc, old *corev1.Service) field.ErrorList {
	t.Helper()
	s.Default(svc)
	s.PrepareForUpdate(t.Context(), svc, old)
	return s.ValidateUpdate(t.Context(), svc, old)
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   corev1.ServiceSpec
		want corev1.ServiceSpec
	}{
		{
			name: "cluster IP",
			in:   corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}},
			want: corev1.ServiceSpec{
				Type: corev1.ServiceTypeClusterIP, SessionAffinity: corev1.ServiceAffinityNone,
				Ports:                 []corev1.ServicePort{{Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(80)}},
				InternalTrafficPolicy: ptr.To(corev1.ServiceInternalTrafficPolicyCluster),
			},
		},
		{
			name: "node port",
			in:   corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Ports: []corev1.ServicePort{{Port: 80, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromString("dns")}}},
			want: corev1.ServiceSpec{
				Type: corev1.ServiceTypeNodePort, SessionAffinity: corev1.ServiceAffinityNone,
				Ports:                 []corev1.ServicePort{{Port: 80, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromString("dns")}},
				ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyCluster,
				InternalTrafficPolicy: ptr.To(corev1.ServiceInternalTrafficPolicyCluster),
			},
		},
		{
			name: "load balancer",
			in:   corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer},
			want: corev1.ServiceSpec{
				Type: corev1.ServiceTypeLoadBalancer, SessionAffinity: corev1.ServiceAffinityNone,
				ExternalTrafficPolicy:         corev1.ServiceExternalTrafficPolicyCluster,
				InternalTrafficPolicy:         ptr.To(corev1.ServiceInternalTrafficPolicyCluster),
				AllocateLoadBalancerNodePorts: ptr.To(true),
			},
		},
		{
			name: "external name",
			in:   corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "example.com"},
			want: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "example.com", SessionAffinity: corev1.ServiceAffinityNone},
		},
		{
			name: "client IP affinity",
			in:   corev1.ServiceSpec{SessionAffinity: corev1.ServiceAffinityClientIP},
			want: corev1.ServiceSpec{
				Type: corev1.ServiceTypeClusterIP, SessionAffinity: corev1.ServiceAffinityClientIP,
				SessionAffinityConfig: &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr.To[int32](10800)}},
				InternalTrafficPolicy: ptr.To(corev1.ServiceInternalTrafficPolicyCluster),
			},
		},
		{
			name: "external IPs make a cluster IP service externally accessible",
			in:   corev1.ServiceSpec{ExternalIPs: []string{"192.0.2.1"}},
			want: corev1.ServiceSpec{
				Type: corev1.ServiceTypeClusterIP, SessionAffinity: corev1.ServiceAffinityNone, ExternalIPs: []string{"192.0.2.1"},
				ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyCluster,
				InternalTrafficPolicy: ptr.To(corev1.ServiceInternalTrafficPolicyCluster),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc := &corev1.Service{Spec: *tt.in.DeepCopy()}
			Resource(mustAllocator(t, DefaultServiceCIDR)).Strategy.Default(svc)
			if !apiequality.Semantic.DeepEqual(svc.Spec, tt.want) {
				t.Errorf("spec = %+v\nwant   %+v", svc.Spec, tt.want)
			}
		})
	}
}

func TestCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		edit       func(*corev1.Service)
		clusterIPs []string
		families   []corev1.IPFamily
		policy     corev1.IPFamilyPolicy
		want       string
	}{
		{name: "allocated", edit: func(*corev1.Service) {}, clusterIPs: []string{"10.96.1.1"}, families: []corev1.IPFamily{"IPv4"}, policy: "SingleStack"},
		{name: "requested singular", edit: func(s *corev1.Service) { s.Spec.ClusterIP = "10.96.0.10" }, clusterIPs: []string{"10.96.0.10"}, families: []corev1.IPFamily{"IPv4"}, policy: "SingleStack"},
		{name: "kubernetes service", edit: func(s *corev1.Service) { s.Spec.ClusterIP = "10.96.0.1" }, clusterIPs: []string{"10.96.0.1"}, families: []corev1.IPFamily{"IPv4"}, policy: "SingleStack"},
		{name: "prefer dual stack", edit: func(s *corev1.Service) { s.Spec.IPFamilyPolicy = ptr.To(corev1.IPFamilyPolicyPreferDualStack) }, clusterIPs: []string{"10.96.1.1"}, families: []corev1.IPFamily{"IPv4"}, policy: "PreferDualStack"},
		{name: "headless", edit: func(s *corev1.Service) { s.Spec.ClusterIP = "None" }, clusterIPs: []string{"None"}, families: []corev1.IPFamily{"IPv4"}, policy: "SingleStack"},
		{
			name:       "headless without selector",
			edit:       func(s *corev1.Service) { s.Spec.ClusterIP, s.Spec.Selector, s.Spec.Ports = "None", nil, nil },
			clusterIPs: []string{"None"}, families: []corev1.IPFamily{"IPv4", "IPv6"}, policy: "RequireDualStack",
		},
		{
			name: "external name",
			edit: func(s *corev1.Service) {
				s.Spec.Type, s.Spec.ExternalName, s.Spec.Ports = corev1.ServiceTypeExternalName, "db.example.com.", nil
			},
		},
		{
			name: "requested IP taken",
			edit: func(s *corev1.Service) { s.Spec.ClusterIP = "10.96.0.20" },
			want: `spec.clusterIPs: Invalid value: ["10.96.0.20"]: failed to allocate IP 10.96.0.20: provided IP is already allocated`,
		},
		{
			name: "requested IP out of range",
			edit: func(s *corev1.Service) { s.Spec.ClusterIP = "192.168.0.1" },
			want: `spec.clusterIPs: Invalid value: ["192.168.0.1"]: failed to allocate IP 192.168.0.1: the provided IP (192.168.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12`,
		},
		{
			name: "require dual stack",
			edit: func(s *corev1.Service) { s.Spec.IPFamilyPolicy = ptr.To(corev1.IPFamilyPolicyRequireDualStack) },
			want: `spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services`,
		},
		{
			name: "ipv6 family",
			edit: func(s *corev1.Service) { s.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv6Protocol} },
			want: `spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			alloc := mustAllocator(t, DefaultServiceCIDR)
			if err := alloc.Reserve(t.Context(), owner("other"), "10.96.0.20"); err != nil {
				t.Fatal(err)
			}
			s := Resource(alloc).Strategy
			svc := web()
			svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "192.0.2.9"}}
			tt.edit(svc)
			checkErrors(t, create(t, s, svc), tt.want)
			if tt.want != "" {
				return
			}
			if !apiequality.Semantic.DeepEqual(svc.Spec.ClusterIPs, tt.clusterIPs) || !apiequality.Semantic.DeepEqual(svc.Spec.IPFamilies, tt.families) {
				t.Errorf("clusterIPs %v families %v, want %v %v", svc.Spec.ClusterIPs, svc.Spec.IPFamilies, tt.clusterIPs, tt.families)
			}
			if len(tt.clusterIPs) > 0 && svc.Spec.ClusterIP != tt.clusterIPs[0] {
				t.Errorf("clusterIP %q, want %q", svc.Spec.ClusterIP, tt.clusterIPs[0])
			}
			if got := ptr.Deref(svc.Spec.IPFamilyPolicy, ""); got != tt.policy {
				t.Errorf("ipFamilyPolicy %q, want %q", got, tt.policy)
			}
			if !apiequality.Semantic.DeepEqual(svc.Status, corev1.ServiceStatus{}) {
				t.Errorf("status not cleared: %+v", svc.Status)
			}
		})
	}
}

func TestFailedCreateReleasesItsIP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*corev1.Service)
		free string // the address that must be free again
	}{
		{name: "allocated", edit: func(*corev1.Service) {}, free: "10.96.1.1"},
		{name: "requested", edit: func(s *corev1.Service) { s.Spec.ClusterIP = "10.96.0.30" }, free: "10.96.0.30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			alloc := mustAllocator(t, DefaultServiceCIDR)
			s := Resource(alloc).Strategy
			svc := web()
			tt.edit(svc)
			svc.Spec.Ports = nil // invalid: ports are required
			if errs := create(t, s, svc); len(errs) == 0 {
				t.Fatal("create of a service without ports succeeded")
			}
			if err := alloc.Reserve(t.Context(), owner("probe"), tt.free); err != nil {
				t.Errorf("%s not released after the failed create: %v", tt.free, err)
			}
		})
	}
}

func TestFailedCreateKeepsOthersIP(t *testing.T) {
	t.Parallel()
	alloc := mustAllocator(t, DefaultServiceCIDR)
	s := Resource(alloc).Strategy
	if errs := create(t, s, web()); len(errs) > 0 {
		t.Fatal(errs)
	}
	other := web()
	other.Spec.ClusterIP = "10.96.1.1" // held by the first service
	if errs := create(t, s, other); len(errs) != 1 {
		t.Fatalf("errors = %v", errs)
	}
	if err := alloc.Reserve(t.Context(), owner("probe"), "10.96.1.1"); err == nil {
		t.Error("a failed create released another service's address")
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*corev1.Service)
		want string
	}{
		{name: "no ports", edit: func(s *corev1.Service) { s.Spec.Ports = nil }, want: "spec.ports: Required value"},
		{name: "headless without ports", edit: func(s *corev1.Service) { s.Spec.ClusterIP, s.Spec.Ports = "None", nil }},
		{name: "port zero", edit: func(s *corev1.Service) { s.Spec.Ports[0].Port = 0; s.Spec.Ports[0].TargetPort = intstr.FromInt32(80) }, want: "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"},
		{name: "port too big", edit: func(s *corev1.Service) { s.Spec.Ports[0].Port = 65536 }, want: "spec.ports[0].port: Invalid value: 65536: must be between 1 and 65535, inclusive"},
		{
			name: "unnamed ports",
			edit: func(s *corev1.Service) {
				s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: "https", Port: 443})
			},
			want: "spec.ports[0].name: Required value",
		},
		{
			name: "duplicate port names",
			edit: func(s *corev1.Service) {
				s.Spec.Ports = []corev1.ServicePort{{Name: "http", Port: 80}, {Name: "http", Port: 8080}}
			},
			want: `spec.ports[1].name: Duplicate value: "http"`,
		},
		{
			name: "duplicate ports",
			edit: func(s *corev1.Service) {
				s.Spec.Ports = []corev1.ServicePort{{Name: "a", Port: 80}, {Name: "b", Port: 80}}
			},
			want: `spec.ports[1]: Duplicate value: {"protocol":"TCP","port":80,"targetPort":0}`,
		},
		{name: "bad protocol", edit: func(s *corev1.Service) { s.Spec.Ports[0].Protocol = "ICMP" }, want: `spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"`},
		{
			name: "bad selector",
			edit: func(s *corev1.Service) { s.Spec.Selector = map[string]string{"app": "bad value"} },
			want: `spec.selector: Invalid value: "bad value": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
		},
		{name: "bad type", edit: func(s *corev1.Service) { s.Spec.Type = "Ingress" }, want: `spec.type: Unsupported value: "Ingress": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"`},
		{name: "node port on cluster IP", edit: func(s *corev1.Service) { s.Spec.Ports[0].NodePort = 30080 }, want: "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"},
		{name: "node port", edit: func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort; s.Spec.Ports[0].NodePort = 30080 }},
		{
			name: "node port out of range",
			edit: func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort; s.Spec.Ports[0].NodePort = 80 },
			want: "spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767",
		},
		{
			name: "headless node port",
			edit: func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort; s.Spec.ClusterIP = "None" },
			want: `spec.clusterIPs[0]: Invalid value: "None": may not be set to 'None' for NodePort services`,
		},
		{
			name: "external name with cluster IP",
			edit: func(s *corev1.Service) {
				s.Spec.Type, s.Spec.ExternalName, s.Spec.ClusterIP = corev1.ServiceTypeExternalName, "db.example.com", "10.96.0.5"
			},
			want: "spec.clusterIPs: Forbidden: may not be set for ExternalName services",
		},
		{
			name: "external name missing",
			edit: func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeExternalName },
			want: "spec.externalName: Required value",
		},
		{
			name: "malformed cluster IP",
			edit: func(s *corev1.Service) { s.Spec.ClusterIP = "10.96.0" },
			want: `spec.clusterIPs[0]: Invalid value: "10.96.0": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`,
		},
		{
			name: "cluster IPs disagree",
			edit: func(s *corev1.Service) { s.Spec.ClusterIP, s.Spec.ClusterIPs = "10.96.0.5", []string{"10.96.0.6"} },
			want: "spec.clusterIPs: Invalid value: [\"10.96.0.6\"]: first value must match `clusterIP`",
		},
		{
			name: "affinity config without client IP",
			edit: func(s *corev1.Service) {
				s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
				s.Spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr.To[int32](90000)}}
			},
			want: "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 90000: must be greater than 0 and less than 86400",
		},
		{
			name: "loopback external IP",
			edit: func(s *corev1.Service) { s.Spec.ExternalIPs = []string{"127.0.0.1"} },
			want: `spec.externalIPs[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)`,
		},
		{
			name: "external traffic policy on cluster IP",
			edit: func(s *corev1.Service) { s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal },
			want: `spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services`,
		},
		{
			name: "load balancer class on cluster IP",
			edit: func(s *corev1.Service) { s.Spec.LoadBalancerClass = ptr.To("example.com/lb") },
			want: "spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc := web()
			tt.edit(svc)
			checkErrors(t, create(t, Resource(mustAllocator(t, DefaultServiceCIDR)).Strategy, svc), tt.want)
		})
	}
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		old       func(*corev1.Service)
		edit      func(*corev1.Service)
		want      string
		clusterIP string
		check     func(*testing.T, *corev1.Service)
	}{
		{name: "selector change", edit: func(s *corev1.Service) { s.Spec.Selector = map[string]string{"app": "web2"} }, clusterIP: "10.96.1.1"},
		{
			name: "replace without cluster IP keeps it",
			edit: func(s *corev1.Service) {
				s.Spec.ClusterIP, s.Spec.ClusterIPs, s.Spec.IPFamilies, s.Spec.IPFamilyPolicy = "", nil, nil, nil
			},
			clusterIP: "10.96.1.1",
			check: func(t *testing.T, s *corev1.Service) {
				if ptr.Deref(s.Spec.IPFamilyPolicy, "") != corev1.IPFamilyPolicySingleStack || len(s.Spec.IPFamilies) != 1 {
					t.Errorf("families not kept: %+v", s.Spec)
				}
			},
		},
		{
			name: "apply of a changed cluster IP",
			edit: func(s *corev1.Service) { s.Spec.ClusterIP = "10.96.0.99" },
			want: `spec.clusterIPs[0]: Invalid value: ["10.96.0.99"]: may not change once set`,
		},
		{
			name: "changed plural",
			edit: func(s *corev1.Service) { s.Spec.ClusterIPs = []string{"10.96.0.99"} },
			want: "[spec.clusterIPs[0]: Invalid value: [\"10.96.0.99\"]: may not change once set, spec.clusterIPs: Invalid value: [\"10.96.0.99\"]: first value must match `clusterIP`]",
		},
		{
			name: "to headless",
			edit: func(s *corev1.Service) { s.Spec.ClusterIP, s.Spec.ClusterIPs = "None", []string{"None"} },
			want: `spec.clusterIPs[0]: Invalid value: ["None"]: may not change once set`,
		},
		{
			name: "to external name clears cluster IP",
			edit: func(s *corev1.Service) {
				s.Spec.Type, s.Spec.ExternalName = corev1.ServiceTypeExternalName, "db.example.com"
			},
			check: func(t *testing.T, s *corev1.Service) {
				if s.Spec.ClusterIP != "" || s.Spec.ClusterIPs != nil || s.Spec.IPFamilies != nil || s.Spec.IPFamilyPolicy != nil {
					t.Errorf("cluster IP fields kept: %+v", s.Spec)
				}
			},
		},
		{
			name: "from external name allocates",
			old: func(s *corev1.Service) {
				s.Spec = corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "db.example.com", SessionAffinity: corev1.ServiceAffinityNone}
			},
			edit: func(s *corev1.Service) {
				s.Spec.Type, s.Spec.ExternalName = corev1.ServiceTypeClusterIP, ""
				s.Spec.Ports = []corev1.ServicePort{{Port: 5432}}
			},
			clusterIP: "10.96.1.1",
		},
		{
			name: "node port to cluster IP drops node ports",
			old: func(s *corev1.Service) {
				s.Spec.Type, s.Spec.ExternalTrafficPolicy = corev1.ServiceTypeNodePort, corev1.ServiceExternalTrafficPolicyCluster
				s.Spec.Ports[0].NodePort = 30080
			},
			edit:      func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeClusterIP },
			clusterIP: "10.96.1.1",
			check: func(t *testing.T, s *corev1.Service) {
				if s.Spec.Ports[0].NodePort != 0 || s.Spec.ExternalTrafficPolicy != "" {
					t.Errorf("node port fields kept: %+v", s.Spec)
				}
			},
		},
		{
			name: "status is kept",
			edit: func(s *corev1.Service) {
				s.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "192.0.2.1"}}
			},
			clusterIP: "10.96.1.1",
			check: func(t *testing.T, s *corev1.Service) {
				if len(s.Status.LoadBalancer.Ingress) != 0 {
					t.Errorf("status changed by a spec update: %+v", s.Status)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			alloc := mustAllocator(t, DefaultServiceCIDR)
			s := Resource(alloc).Strategy
			old := web()
			if tt.old != nil {
				tt.old(old)
			}
			if errs := create(t, s, old); len(errs) > 0 {
				t.Fatal(errs)
			}
			svc := old.DeepCopy()
			tt.edit(svc)
			checkErrors(t, update(t, s, svc, old), tt.want)
			if tt.want != "" {
				return
			}
			if svc.Spec.ClusterIP != tt.clusterIP {
				t.Errorf("clusterIP = %q, want %q", svc.Spec.ClusterIP, tt.clusterIP)
			}
			if tt.check != nil {
				tt.check(t, svc)
			}
		})
	}
}

func TestStatusUpdate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ingress []corev1.LoadBalancerIngress
		want    string
	}{
		{name: "ip", ingress: []corev1.LoadBalancerIngress{{IP: "192.0.2.1"}}},
		{name: "hostname", ingress: []corev1.LoadBalancerIngress{{Hostname: "lb.example.com"}}},
		{name: "bad ip", ingress: []corev1.LoadBalancerIngress{{IP: "192.0.2"}}, want: `status.loadBalancer.ingress[0].ip: Invalid value: "192.0.2": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`},
		{name: "ip as hostname", ingress: []corev1.LoadBalancerIngress{{Hostname: "192.0.2.1"}}, want: `status.loadBalancer.ingress[0].hostname: Invalid value: "192.0.2.1": must be a DNS name, not an IP address`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Resource(mustAllocator(t, DefaultServiceCIDR)).StatusStrategy
			old := web()
			svc := old.DeepCopy()
			svc.Spec.Selector = nil
			svc.Status.LoadBalancer.Ingress = tt.ingress
			markFailed(svc, reasonInvalid, "injected")
			s.PrepareForUpdate(t.Context(), svc, old)
			if svc.Spec.Selector == nil {
				t.Error("status update changed spec")
			}
			if len(svc.Status.Conditions) != 0 {
				t.Errorf("internal condition kept: %v", svc.Status.Conditions)
			}
			checkErrors(t, s.ValidateUpdate(t.Context(), svc, old), tt.want)
		})
	}
}

func TestReleaseClusterIPs(t *testing.T) {
	t.Parallel()
	alloc := mustAllocator(t, DefaultServiceCIDR)
	s := Resource(alloc).Strategy
	svc := web()
	if errs := create(t, s, svc); len(errs) > 0 {
		t.Fatal(errs)
	}
	for range 2 { // idempotent
		if err := ReleaseClusterIPs(t.Context(), alloc, svc); err != nil {
			t.Fatal(err)
		}
	}
	if err := alloc.Reserve(t.Context(), owner("probe"), svc.Spec.ClusterIP); err != nil {
		t.Errorf("%s not released: %v", svc.Spec.ClusterIP, err)
	}
}

// checkErrors compares an error list with the expected message, as the
// API server would aggregate it ("" = no errors).
func checkErrors(t *testing.T, errs field.ErrorList, want string) {
	t.Helper()
	got := ""
	if agg := errs.ToAggregate(); agg != nil {
		got = agg.Error()
	}
	if got != want {
		t.Errorf("errors = %s\nwant     %s", got, want)
	}
}
