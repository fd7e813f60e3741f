package deployment

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func TestDefault(t *testing.T) {
	t.Parallel()
	rolling := func(unavailable, surge intstr.IntOrString) appsv1.DeploymentStrategy {
		return appsv1.DeploymentStrategy{
			Type:          appsv1.RollingUpdateDeploymentStrategyType,
			RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &unavailable, MaxSurge: &surge},
		}
	}
	tests := []struct {
		name     string
		mutate   func(*appsv1.Deployment)
		replicas int32
		strategy appsv1.DeploymentStrategy
		history  int32
		deadline int32
	}{
		{
			name: "all unset", replicas: 1, history: 10, deadline: 600,
			strategy: rolling(intstr.FromString("25%"), intstr.FromString("25%")),
		},
		{
			name: "set values kept",
			mutate: func(d *appsv1.Deployment) {
				d.Spec.Replicas = ptr.To[int32](0)
				d.Spec.RevisionHistoryLimit = ptr.To[int32](0)
				d.Spec.ProgressDeadlineSeconds = ptr.To[int32](30)
				d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxSurge: ptr.To(intstr.FromInt32(1))}
			},
			replicas: 0, history: 0, deadline: 30,
			strategy: rolling(intstr.FromString("25%"), intstr.FromInt32(1)),
		},
		{
			name:     "recreate gets no rolling update",
			mutate:   func(d *appsv1.Deployment) { d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType },
			replicas: 1, history: 10, deadline: 600,
			strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := defaulted(tt.mutate)
			if *d.Spec.Replicas != tt.replicas || *d.Spec.RevisionHistoryLimit != tt.history || *d.Spec.ProgressDeadlineSeconds != tt.deadline {
				t.Errorf("replicas %d history %d deadline %d", *d.Spec.Replicas, *d.Spec.RevisionHistoryLimit, *d.Spec.ProgressDeadlineSeconds)
			}
			if !apiequality.Semantic.DeepEqual(d.Spec.Strategy, tt.strategy) {
				t.Errorf("strategy = %+v, want %+v", d.Spec.Strategy, tt.strategy)
			}
			if spec := d.Spec.Template.Spec; spec.RestartPolicy != corev1.RestartPolicyAlways || spec.SchedulerName != corev1.DefaultSchedulerName {
				t.Errorf("template not defaulted: %+v", spec)
			}
		})
	}
}
