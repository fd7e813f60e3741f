package node

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*corev1.Node)
		want   []string
	}{{
		name: "registered by a kubelet",
	}, {
		name: "taints",
		mutate: func(n *corev1.Node) {
			n.Spec.Taints = []corev1.Taint{{Key: "node.kubernetes.io/unschedulable", Effect: corev1.TaintEffectNoSchedule}}
		},
	}, {
		name:   "taint without effect",
		mutate: func(n *corev1.Node) { n.Spec.Taints = []corev1.Taint{{Key: "dedicated", Value: "gpu"}} },
		want:   []string{"metadata.taints[0].effect: Required value"},
	}, {
		name:   "taint with unknown effect",
		mutate: func(n *corev1.Node) { n.Spec.Taints = []corev1.Taint{{Key: "dedicated", Effect: "NoRun"}} },
		want:   []string{`metadata.taints[0].effect: Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"`},
	}, {
		name: "taints repeating key and effect",
		mutate: func(n *corev1.Node) {
			n.Spec.Taints = []corev1.Taint{{Key: "a", Effect: corev1.TaintEffectNoSchedule}, {Key: "a", Value: "x", Effect: corev1.TaintEffectNoSchedule}}
		},
		want: []string{`metadata.taints[1]: Duplicate value: {"key":"a","value":"x","effect":"NoSchedule"}: taints must be unique by key and effect pair`},
	}, {
		name:   "negative capacity",
		mutate: func(n *corev1.Node) { n.Status.Capacity = quantities("cpu", "-1") },
		want:   []string{`status.capacity.cpu: Invalid value: "-1": must be greater than or equal to 0`},
	}, {
		name:   "fractional pod count",
		mutate: func(n *corev1.Node) { n.Status.Allocatable = quantities("pods", "1500m") },
		want:   []string{`status.allocatable.pods: Invalid value: "1500m": must be an integer`},
	}, {
		name:   "dual-stack pod CIDRs",
		mutate: func(n *corev1.Node) { n.Spec.PodCIDRs = []string{"10.244.1.0/24", "fd00:1::/64"} },
	}, {
		name:   "two pod CIDRs of one family",
		mutate: func(n *corev1.Node) { n.Spec.PodCIDRs = []string{"10.244.1.0/24", "10.244.2.0/24"} },
		want:   []string{`spec.podCIDRs: Invalid value: ["10.244.1.0/24","10.244.2.0/24"]: may specify no more than one CIDR for each IP family`},
	}, {
		name:   "invalid pod CIDR",
		mutate: func(n *corev1.Node) { n.Spec.PodCIDRs = []string{"10.244.1.0"} },
		want:   []string{`spec.podCIDRs[0]: Invalid value: "10.244.1.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			node := newNode()
			if tt.mutate != nil {
				tt.mutate(node)
			}
			assertMessages(t, strategy{}.Validate(t.Context(), node), tt.want)
		})
	}
}

func TestValidateUpdate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		old    func(*corev1.Node)
		update func(*corev1.Node)
		want   []string
	}{{
		name:   "cordon",
		update: func(n *corev1.Node) { n.Spec.Unschedulable = true },
	}, {
		name:   "pod CIDR assigned",
		update: func(n *corev1.Node) { n.Spec.PodCIDR = "10.244.1.0/24"; n.Spec.PodCIDRs = []string{"10.244.1.0/24"} },
	}, {
		name:   "pod CIDR changed",
		old:    func(n *corev1.Node) { n.Spec.PodCIDRs = []string{"10.244.1.0/24"} },
		update: func(n *corev1.Node) { n.Spec.PodCIDRs = []string{"10.244.2.0/24"} },
		want:   []string{`spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid`},
	}, {
		name:   "provider ID assigned",
		update: func(n *corev1.Node) { n.Spec.ProviderID = "kind://node-1" },
	}, {
		name:   "provider ID changed",
		old:    func(n *corev1.Node) { n.Spec.ProviderID = "kind://node-1" },
		update: func(n *corev1.Node) { n.Spec.ProviderID = "kind://node-2" },
		want:   []string{`spec.providerID: Forbidden: node updates may not change providerID except from "" to valid`},
	}, {
		name:   "external ID changed",
		update: func(n *corev1.Node) { n.Spec.DoNotUseExternalID = "x" },
		want:   []string{"spec.externalID: Forbidden: may not be updated"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			old := newNode()
			if tt.old != nil {
				tt.old(old)
			}
			node := old.DeepCopy()
			tt.update(node)
			s := strategy{}
			s.PrepareForUpdate(t.Context(), node, old)
			assertMessages(t, s.ValidateUpdate(t.Context(), node, old), tt.want)
		})
	}
}

func TestStatusValidateUpdate(t *testing.T) {
	t.Parallel()
	old := newNode()
	node := old.DeepCopy()
	addr := corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: "172.18.0.2"}
	node.Status.Addresses = []corev1.NodeAddress{addr, addr}
	s := statusStrategy{}
	s.PrepareForUpdate(t.Context(), node, old)
	assertMessages(t, s.ValidateUpdate(t.Context(), node, old), []string{
		`status.addresses[1]: Duplicate value: {"type":"InternalIP","address":"172.18.0.2"}`,
	})
}
