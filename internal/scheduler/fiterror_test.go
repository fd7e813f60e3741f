package scheduler

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestUnschedulableMessage(t *testing.T) {
	t.Parallel()
	never := corev1.PreemptNever
	tests := []struct {
		name  string
		nodes []*corev1.Node
		pod   *corev1.Pod
		want  string
	}{
		{name: "no nodes", pod: pod("p"), want: "no nodes available to schedule pods"},
		{name: "cordoned and full",
			nodes: []*corev1.Node{node("n1", "a", cordoned), node("n2", "a"), node("n3", "a")},
			pod:   pod("p", requests("5", "")),
			want: "0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. " +
				"preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.."},
		{name: "every reason unresolvable",
			nodes: []*corev1.Node{node("n1", "a", cordoned), node("n2", "a", tainted("k", "v", corev1.TaintEffectNoSchedule))},
			pod:   pod("p"),
			want: "0/2 nodes are available: 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable. " +
				"preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."},
		{name: "two shortfalls on one node count both",
			nodes: []*corev1.Node{node("n1", "a")},
			pod:   pod("p", requests("5", "9Gi")),
			want: "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. " +
				"preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.."},
		{name: "preemptionPolicy Never",
			nodes: []*corev1.Node{node("n1", "a")},
			pod:   pod("p", requests("5", ""), func(p *corev1.Pod) { p.Spec.PreemptionPolicy = &never }),
			want:  "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &Scheduler{cache: snapshot(t, tt.nodes)}
			name, d := s.schedule(tt.pod)
			if name != "" {
				t.Fatalf("bound to %s", name)
			}
			if got := d.message(tt.pod); got != tt.want {
				t.Errorf("message\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}
