package node

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestTableColumns(t *testing.T) {
	t.Parallel()
	want := []struct {
		name     string
		priority int32
	}{
		{"Name", 0}, {"Status", 0}, {"Roles", 0}, {"Age", 0}, {"Version", 0},
		{"Internal-IP", 1}, {"External-IP", 1}, {"OS-Image", 1}, {"Kernel-Version", 1}, {"Container-Runtime", 1},
	}
	cols := table().Columns
	if len(cols) != len(want) {
		t.Fatalf("%d columns, want %d", len(cols), len(want))
	}
	for i, w := range want {
		if c := cols[i]; c.Name != w.name || c.Priority != w.priority || c.Type != "string" || c.Description == "" {
			t.Errorf("column %d = %+v, want %+v", i, c, w)
		}
	}
}

func TestTableRow(t *testing.T) {
	t.Parallel()
	ready := func(s corev1.ConditionStatus) []corev1.NodeCondition {
		return []corev1.NodeCondition{{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse}, {Type: corev1.NodeReady, Status: s}}
	}
	tests := []struct {
		name   string
		mutate func(*corev1.Node)
		want   []any
	}{{
		name:   "new node without conditions",
		mutate: func(n *corev1.Node) {},
		want:   []any{"node-1", "Unknown", "<none>", "3d", "v1.33.1", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"},
	}, {
		name: "ready worker",
		mutate: func(n *corev1.Node) {
			n.Status.Conditions = ready(corev1.ConditionTrue)
			n.Status.Addresses = []corev1.NodeAddress{
				{Type: corev1.NodeHostName, Address: "node-1"},
				{Type: corev1.NodeInternalIP, Address: "172.18.0.2"},
				{Type: corev1.NodeExternalIP, Address: "203.0.113.9"},
			}
			n.Status.NodeInfo.OSImage = "Debian GNU/Linux 12 (bookworm)"
			n.Status.NodeInfo.KernelVersion = "6.8.0"
			n.Status.NodeInfo.ContainerRuntimeVersion = "containerd://2.0.0"
		},
		want: []any{"node-1", "Ready", "<none>", "3d", "v1.33.1", "172.18.0.2", "203.0.113.9", "Debian GNU/Linux 12 (bookworm)", "6.8.0", "containerd://2.0.0"},
	}, {
		name: "not ready and cordoned",
		mutate: func(n *corev1.Node) {
			n.Status.Conditions = ready(corev1.ConditionUnknown)
			n.Spec.Unschedulable = true
		},
		want: []any{"node-1", "NotReady,SchedulingDisabled", "<none>", "3d", "v1.33.1", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"},
	}, {
		name: "cordoned without conditions",
		mutate: func(n *corev1.Node) {
			n.Spec.Unschedulable = true
		},
		want: []any{"node-1", "Unknown,SchedulingDisabled", "<none>", "3d", "v1.33.1", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"},
	}, {
		name: "roles from both label styles, sorted and distinct",
		mutate: func(n *corev1.Node) {
			n.Status.Conditions = ready(corev1.ConditionTrue)
			n.Labels = map[string]string{
				"node-role.kubernetes.io/worker":        "",
				"node-role.kubernetes.io/control-plane": "",
				"kubernetes.io/role":                    "worker",
				"node-role.kubernetes.io/":              "",
				"kubernetes.io/hostname":                "node-1",
			}
		},
		want: []any{"node-1", "Ready", "control-plane,worker", "3d", "v1.33.1", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			node := newNode()
			tt.mutate(node)
			got := table().Row(node, t0)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range tt.want {
				if got[i] != tt.want[i] {
					t.Errorf("cell %d (%s) = %v, want %v", i, table().Columns[i].Name, got[i], tt.want[i])
				}
			}
		})
	}
}
