package deployment

import (
	"testing"

	"github.com/evictd/evictd/internal/registry/registrytest"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	rollingUpdate := func(unavailable, surge intstr.IntOrString) func(*appsv1.Deployment) {
		return func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxUnavailable: &unavailable, MaxSurge: &surge}
		}
	}
	tests := []struct {
		name   string
		mutate func(*appsv1.Deployment)
		want   []string
	}{
		{name: "minimal"},
		{name: "recreate", mutate: func(d *appsv1.Deployment) { d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType }},
		{name: "surge only", mutate: rollingUpdate(intstr.FromInt32(0), intstr.FromInt32(1))},
		{name: "all at once", mutate: rollingUpdate(intstr.FromString("100%"), intstr.FromString("0%"))},
		{
			name:   "negative replicas",
			mutate: func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.To[int32](-1) },
			want:   []string{"spec.replicas: Invalid value: -1: must be greater than or equal to 0"},
		},
		{
			name:   "no selector",
			mutate: func(d *appsv1.Deployment) { d.Spec.Selector = nil },
			want: []string{
				"spec.selector: Required value",
				"spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`",
			},
		},
		{
			name:   "empty selector",
			mutate: func(d *appsv1.Deployment) { d.Spec.Selector = &metav1.LabelSelector{} },
			want:   []string{"spec.selector: Invalid value: {}: empty selector is invalid for deployment"},
		},
		{
			name:   "selector does not match",
			mutate: func(d *appsv1.Deployment) { d.Spec.Selector.MatchLabels["tier"] = "fe" },
			want:   []string{"spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`"},
		},
		{
			name:   "restart on failure",
			mutate: func(d *appsv1.Deployment) { d.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure },
			want:   []string{`spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"`},
		},
		{
			name:   "active deadline",
			mutate: func(d *appsv1.Deployment) { d.Spec.Template.Spec.ActiveDeadlineSeconds = ptr.To[int64](60) },
			want:   []string{"spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported"},
		},
		{
			name:   "no container image",
			mutate: func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "" },
			want:   []string{"spec.template.spec.containers[0].image: Required value"},
		},
		{
			name:   "both zero",
			mutate: rollingUpdate(intstr.FromInt32(0), intstr.FromString("0%")),
			want:   []string{"spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"},
		},
		{
			name:   "negative surge",
			mutate: rollingUpdate(intstr.FromInt32(1), intstr.FromInt32(-1)),
			want:   []string{"spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0"},
		},
		{
			name:   "over 100 percent unavailable",
			mutate: rollingUpdate(intstr.FromString("150%"), intstr.FromString("200%")),
			want:   []string{`spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%`},
		},
		{
			name:   "malformed percent",
			mutate: rollingUpdate(intstr.FromString("1/4"), intstr.FromInt32(1)),
			want:   []string{`spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "1/4": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`},
		},
		{
			name: "recreate with rolling update",
			mutate: func(d *appsv1.Deployment) {
				d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{}}
			},
			want: []string{"spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"},
		},
		{
			name:   "unknown strategy",
			mutate: func(d *appsv1.Deployment) { d.Spec.Strategy.Type = "BlueGreen" },
			want:   []string{`spec.strategy: Unsupported value: {"type":"BlueGreen"}: supported values: "Recreate", "RollingUpdate"`},
		},
		{
			name: "deadline not after min ready",
			mutate: func(d *appsv1.Deployment) {
				d.Spec.MinReadySeconds = 30
				d.Spec.ProgressDeadlineSeconds = ptr.To[int32](30)
			},
			want: []string{"spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds"},
		},
		{
			name:   "negative history",
			mutate: func(d *appsv1.Deployment) { d.Spec.RevisionHistoryLimit = ptr.To[int32](-1) },
			want:   []string{"spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := defaulted(tt.mutate)
			s := Resource().Strategy
			registrytest.CheckErrors(t, s.Validate(t.Context(), d), tt.want...)
			registrytest.CheckErrors(t, s.ValidateUpdate(t.Context(), d, d.DeepCopy()), tt.want...)
		})
	}
}

func TestValidateUpdateSelectorImmutable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*appsv1.Deployment)
		want   []string
	}{
		{name: "scale", mutate: func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.To[int32](3) }},
		{name: "pause", mutate: func(d *appsv1.Deployment) { d.Spec.Paused = true }},
		{
			name: "selector widened",
			mutate: func(d *appsv1.Deployment) {
				d.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: "app", Operator: metav1.LabelSelectorOpExists},
				}}
			},
			want: []string{`spec.selector: Invalid value: {"matchExpressions":[{"key":"app","operator":"Exists"}]}: field is immutable`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			registrytest.CheckErrors(t, Resource().Strategy.ValidateUpdate(t.Context(), defaulted(tt.mutate), defaulted(nil)), tt.want...)
		})
	}
}

func TestValidateStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    appsv1.DeploymentStatus
		collision *int32
		want      []string
	}{
		{name: "progressing", status: appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 3, UpdatedReplicas: 1, ReadyReplicas: 2, AvailableReplicas: 2, UnavailableReplicas: 1}},
		{name: "collisions counted up", status: appsv1.DeploymentStatus{CollisionCount: ptr.To[int32](2)}, collision: ptr.To[int32](1)},
		{name: "negative", status: appsv1.DeploymentStatus{ObservedGeneration: -1, UnavailableReplicas: -2, CollisionCount: ptr.To[int32](-1)}, want: []string{
			"status.observedGeneration: Invalid value: -1: must be greater than or equal to 0",
			"status.unavailableReplicas: Invalid value: -2: must be greater than or equal to 0",
			"status.collisionCount: Invalid value: -1: must be greater than or equal to 0",
		}},
		{name: "over replicas", status: appsv1.DeploymentStatus{Replicas: 1, UpdatedReplicas: 2, ReadyReplicas: 1, AvailableReplicas: 2}, want: []string{
			"status.updatedReplicas: Invalid value: 2: cannot be greater than status.replicas",
			"status.availableReplicas: Invalid value: 2: cannot be greater than status.replicas",
			"status.availableReplicas: Invalid value: 2: cannot be greater than readyReplicas",
		}},
		{name: "collisions decremented", status: appsv1.DeploymentStatus{}, collision: ptr.To[int32](1), want: []string{
			"status.collisionCount: Invalid value: 0: cannot be decremented",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			old := defaulted(nil)
			old.Status.CollisionCount = tt.collision
			d := old.DeepCopy()
			d.Status = tt.status
			registrytest.CheckErrors(t, Resource().StatusStrategy.ValidateUpdate(t.Context(), d, old), tt.want...)
		})
	}
}
