package pod

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestTableColumns(t *testing.T) {
	t.Parallel()
	cols := table().Columns
	want := []struct {
		name, typ string
		priority  int32
	}{
		{"Name", "string", 0}, {"Ready", "string", 0}, {"Status", "string", 0}, {"Restarts", "string", 0}, {"Age", "string", 0},
		{"IP", "string", 1}, {"Node", "string", 1}, {"Nominated Node", "string", 1}, {"Readiness Gates", "string", 1},
	}
	if len(cols) != len(want) {
		t.Fatalf("%d columns, want %d", len(cols), len(want))
	}
	for i, w := range want {
		c := cols[i]
		if c.Name != w.name || c.Type != w.typ || c.Priority != w.priority || c.Description == "" {
			t.Errorf("column %d = %+v, want %+v with a description", i, c, w)
		}
	}
	if cols[0].Format != "name" {
		t.Errorf("Name column format %q, want name", cols[0].Format)
	}
}

func TestTableRow(t *testing.T) {
	t.Parallel()
	created := metav1.NewTime(t0.Add(-10 * time.Minute))
	deleting := metav1.NewTime(t0)
	tests := []struct {
		name   string
		mutate func(*corev1.Pod)
		want   []any
	}{{
		name: "pending, not scheduled",
		mutate: func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
		},
		want: []any{"web-1", "0/1", "Pending", "0", "10m", "<none>", "<none>", "<none>", "<none>"},
	}, {
		name: "waiting for its image",
		mutate: func(p *corev1.Pod) {
			p.Spec.NodeName = "node-1"
			p.Status.Phase = corev1.PodPending
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: waiting("ContainerCreating")}}
		},
		want: []any{"web-1", "0/1", "ContainerCreating", "0", "10m", "<none>", "node-1", "<none>", "<none>"},
	}, {
		name: "running and ready",
		mutate: func(p *corev1.Pod) {
			running(p)
		},
		want: []any{"web-1", "1/1", "Running", "0", "10m", "10.0.0.7", "node-1", "<none>", "<none>"},
	}, {
		name: "crash looping with restarts",
		mutate: func(p *corev1.Pod) {
			running(p)
			p.Status.ContainerStatuses[0] = corev1.ContainerStatus{
				Name: "app", RestartCount: 3, State: waiting("CrashLoopBackOff"),
				LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, FinishedAt: metav1.NewTime(t0.Add(-5 * time.Minute))}},
			}
		},
		want: []any{"web-1", "0/1", "CrashLoopBackOff", "3 (5m ago)", "10m", "10.0.0.7", "node-1", "<none>", "<none>"},
	}, {
		name: "terminating",
		mutate: func(p *corev1.Pod) {
			running(p)
			p.DeletionTimestamp = &deleting
		},
		want: []any{"web-1", "1/1", "Terminating", "0", "10m", "10.0.0.7", "node-1", "<none>", "<none>"},
	}, {
		name: "terminal pod being deleted keeps its phase",
		mutate: func(p *corev1.Pod) {
			completed(p)
			p.DeletionTimestamp = &deleting
		},
		want: []any{"web-1", "0/1", "Completed", "0", "10m", "10.0.0.7", "node-1", "<none>", "<none>"},
	}, {
		name: "on a lost node",
		mutate: func(p *corev1.Pod) {
			running(p)
			p.Status.Reason = "NodeLost"
			p.DeletionTimestamp = &deleting
		},
		want: []any{"web-1", "1/1", "Unknown", "0", "10m", "10.0.0.7", "node-1", "<none>", "<none>"},
	}, {
		name:   "completed",
		mutate: completed,
		want:   []any{"web-1", "0/1", "Completed", "0", "10m", "10.0.0.7", "node-1", "<none>", "<none>"},
	}, {
		name: "killed by a signal",
		mutate: func(p *corev1.Pod) {
			running(p)
			p.Status.ContainerStatuses[0].Ready = false
			p.Status.ContainerStatuses[0].State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Signal: 9}}
		},
		want: []any{"web-1", "0/1", "Signal:9", "0", "10m", "10.0.0.7", "node-1", "<none>", "<none>"},
	}, {
		name: "first container completed, second still running and ready",
		mutate: func(p *corev1.Pod) {
			running(p)
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "job"})
			p.Status.Conditions = readyCondition()
			p.Status.ContainerStatuses = []corev1.ContainerStatus{
				{Name: "job", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed"}}},
				{Name: "app", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}},
			}
		},
		want: []any{"web-1", "1/2", "Running", "0", "10m", "10.0.0.7", "node-1", "<none>", "<none>"},
	}, {
		name: "first init container of two still running",
		mutate: func(p *corev1.Pod) {
			initializing(p)
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{
				{Name: "migrate", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}},
				{Name: "warm", State: waiting("PodInitializing")},
			}
		},
		want: []any{"web-1", "0/1", "Init:0/2", "0", "10m", "<none>", "node-1", "<none>", "<none>"},
	}, {
		name: "init container crash looping",
		mutate: func(p *corev1.Pod) {
			initializing(p)
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{
				{Name: "migrate", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0}}},
				{Name: "warm", RestartCount: 2, State: waiting("CrashLoopBackOff"),
					LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, FinishedAt: metav1.NewTime(t0.Add(-30 * time.Second))}}},
			}
		},
		want: []any{"web-1", "0/1", "Init:CrashLoopBackOff", "2 (30s ago)", "10m", "<none>", "node-1", "<none>", "<none>"},
	}, {
		name: "init container failed",
		mutate: func(p *corev1.Pod) {
			initializing(p)
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{
				{Name: "migrate", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 2}}},
			}
		},
		want: []any{"web-1", "0/1", "Init:ExitCode:2", "0", "10m", "<none>", "node-1", "<none>", "<none>"},
	}, {
		name: "started sidecar counts as a container",
		mutate: func(p *corev1.Pod) {
			running(p)
			p.Spec.InitContainers = []corev1.Container{{Name: "proxy", RestartPolicy: ptr.To(corev1.ContainerRestartPolicyAlways)}}
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{
				{Name: "proxy", Ready: true, Started: ptr.To(true), RestartCount: 1, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}},
			}
		},
		want: []any{"web-1", "2/2", "Running", "1", "10m", "10.0.0.7", "node-1", "<none>", "<none>"},
	}, {
		name: "scheduling gated",
		mutate: func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "SchedulingGated"}}
		},
		want: []any{"web-1", "0/1", "SchedulingGated", "0", "10m", "<none>", "<none>", "<none>", "<none>"},
	}, {
		name: "readiness gates and nomination",
		mutate: func(p *corev1.Pod) {
			running(p)
			p.Status.NominatedNodeName = "node-2"
			p.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "example.com/lb"}, {ConditionType: "example.com/dns"}}
			p.Status.Conditions = []corev1.PodCondition{
				{Type: "example.com/lb", Status: corev1.ConditionTrue},
				{Type: "example.com/dns", Status: corev1.ConditionFalse},
			}
		},
		want: []any{"web-1", "1/1", "Running", "0", "10m", "10.0.0.7", "node-1", "node-2", "1/2"},
	}, {
		name:   "no creation timestamp",
		mutate: func(p *corev1.Pod) { p.CreationTimestamp = metav1.Time{}; p.Status.Phase = corev1.PodPending },
		want:   []any{"web-1", "0/1", "Pending", "0", "<unknown>", "<none>", "<none>", "<none>", "<none>"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pod := newPod()
			pod.CreationTimestamp = created
			tt.mutate(pod)
			got := table().Row(pod, t0)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d cells %v, want %v", len(got), got, tt.want)
			}
			for i := range tt.want {
				if got[i] != tt.want[i] {
					t.Errorf("cell %d (%s) = %v, want %v", i, table().Columns[i].Name, got[i], tt.want[i])
				}
			}
		})
	}
}

func waiting(reason string) corev1.ContainerState {
	return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}
}

func running(p *corev1.Pod) {
	p.Spec.NodeName = "node-1"
	p.Status.Phase = corev1.PodRunning
	p.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.7"}}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
}

func completed(p *corev1.Pod) {
	running(p)
	p.Status.Phase = corev1.PodSucceeded
	p.Status.ContainerStatuses[0] = corev1.ContainerStatus{Name: "app", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed"}}}
}

func initializing(p *corev1.Pod) {
	p.Spec.NodeName = "node-1"
	p.Spec.InitContainers = []corev1.Container{{Name: "migrate"}, {Name: "warm"}}
	p.Status.Phase = corev1.PodPending
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: waiting("PodInitializing")}}
}
