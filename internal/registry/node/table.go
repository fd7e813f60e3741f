package node

import (
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/registry"
)

const (
	// roleLabelPrefix marks a role by key: node-role.kubernetes.io/control-plane="".
	roleLabelPrefix = "node-role.kubernetes.io/"
	// roleLabel names a role by value: kubernetes.io/role=master (older clusters).
	roleLabel = "kubernetes.io/role"
)

// table returns kube-apiserver's node table (pkg/printers/internalversion
// printNode); the priority 1 columns show with -o wide.
func table() *registry.Table {
	return &registry.Table{
		Columns: []metav1.TableColumnDefinition{
			{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
			{Name: "Status", Type: "string", Description: "The status of the node"},
			{Name: "Roles", Type: "string", Description: "The roles of the node"},
			registry.AgeColumn,
			{Name: "Version", Type: "string", Description: corev1.NodeSystemInfo{}.SwaggerDoc()["kubeletVersion"]},
			{Name: "Internal-IP", Type: "string", Priority: 1, Description: corev1.NodeStatus{}.SwaggerDoc()["addresses"]},
			{Name: "External-IP", Type: "string", Priority: 1, Description: corev1.NodeStatus{}.SwaggerDoc()["addresses"]},
			{Name: "OS-Image", Type: "string", Priority: 1, Description: corev1.NodeSystemInfo{}.SwaggerDoc()["osImage"]},
			{Name: "Kernel-Version", Type: "string", Priority: 1, Description: corev1.NodeSystemInfo{}.SwaggerDoc()["kernelVersion"]},
			{Name: "Container-Runtime", Type: "string", Priority: 1, Description: corev1.NodeSystemInfo{}.SwaggerDoc()["containerRuntimeVersion"]},
		},
		Row: row,
	}
}

func row(obj runtime.Object, now time.Time) []any {
	node := obj.(*corev1.Node)
	info := node.Status.NodeInfo
	return []any{
		node.Name,
		status(node),
		orDefault(strings.Join(roles(node), ","), "<none>"),
		registry.Age(node.CreationTimestamp, now),
		info.KubeletVersion,
		address(node, corev1.NodeInternalIP),
		address(node, corev1.NodeExternalIP),
		orDefault(info.OSImage, "<unknown>"),
		orDefault(info.KernelVersion, "<unknown>"),
		orDefault(info.ContainerRuntimeVersion, "<unknown>"),
	}
}

// status is Ready, NotReady or Unknown (no Ready condition), followed by
// SchedulingDisabled when the node is cordoned.
func status(node *corev1.Node) string {
	s := []string{"Unknown"}
	// Upstream indexes conditions by type, so the last Ready condition wins.
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			s[0] = "NotReady"
			if c.Status == corev1.ConditionTrue {
				s[0] = "Ready"
			}
		}
	}
	if node.Spec.Unschedulable {
		s = append(s, "SchedulingDisabled")
	}
	return strings.Join(s, ",")
}

// roles are the sorted, distinct roles named by role labels.
func roles(node *corev1.Node) []string {
	var r []string
	for k, v := range node.Labels {
		switch {
		case strings.HasPrefix(k, roleLabelPrefix):
			if role := strings.TrimPrefix(k, roleLabelPrefix); role != "" {
				r = append(r, role)
			}
		case k == roleLabel && v != "":
			r = append(r, v)
		}
	}
	slices.Sort(r)
	return slices.Compact(r)
}

// address is the node's first address of type t, or "<none>".
func address(node *corev1.Node, t corev1.NodeAddressType) string {
	for _, a := range node.Status.Addresses {
		if a.Type == t {
			return a.Address
		}
	}
	return "<none>"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
