package node

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestDefault(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		status          corev1.NodeStatus
		wantAllocatable corev1.ResourceList
	}{{
		name:            "allocatable copied from capacity",
		status:          corev1.NodeStatus{Capacity: quantities("cpu", "4", "pods", "110")},
		wantAllocatable: quantities("cpu", "4", "pods", "110"),
	}, {
		name:            "reported allocatable kept",
		status:          corev1.NodeStatus{Capacity: quantities("cpu", "4"), Allocatable: quantities("cpu", "3800m")},
		wantAllocatable: quantities("cpu", "3800m"),
	}, {
		name:            "quantities rounded up to milli precision",
		status:          corev1.NodeStatus{Capacity: quantities("cpu", "0.0001")},
		wantAllocatable: quantities("cpu", "1m"),
	}, {
		name: "no capacity, no allocatable",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			node := &corev1.Node{Status: tt.status}
			Default(node)
			assertSemanticEqual(t, node.Status.Allocatable, tt.wantAllocatable)
			if node.Status.Capacity != nil {
				// Copies, so that later changes to one do not alias the other.
				node.Status.Capacity[corev1.ResourceCPU] = quantities("cpu", "99")[corev1.ResourceCPU]
				assertSemanticEqual(t, node.Status.Allocatable, tt.wantAllocatable)
			}
		})
	}
}
