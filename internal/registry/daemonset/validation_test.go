package daemonset

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
	rollingUpdate := func(unavailable, surge intstr.IntOrString) func(*appsv1.DaemonSet) {
		return func(ds *appsv1.DaemonSet) {
			ds.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateDaemonSet{MaxUnavailable: &unavailable, MaxSurge: &surge}
		}
	}
	tests := []struct {
		name   string
		mutate func(*appsv1.DaemonSet)
		want   []string
	}{
		{name: "minimal"},
		{name: "surge", mutate: rollingUpdate(intstr.FromInt32(0), intstr.FromString("10%"))},
		{name: "on delete", mutate: func(ds *appsv1.DaemonSet) {
			ds.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType}
		}},
		{
			name:   "no selector",
			mutate: func(ds *appsv1.DaemonSet) { ds.Spec.Selector = nil },
			want:   []string{"spec.template.metadata.labels: Invalid value: {\"app\":\"agent\"}: `selector` does not match template `labels`"},
		},
		{
			name:   "empty selector",
			mutate: func(ds *appsv1.DaemonSet) { ds.Spec.Selector = &metav1.LabelSelector{} },
			want:   []string{"spec.selector: Invalid value: {}: empty selector is invalid for daemonset"},
		},
		{
			name:   "selector does not match",
			mutate: func(ds *appsv1.DaemonSet) { ds.Spec.Template.Labels = nil },
			want:   []string{"spec.template.metadata.labels: Invalid value: null: `selector` does not match template `labels`"},
		},
		{
			name:   "restart on failure",
			mutate: func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure },
			want:   []string{`spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"`},
		},
		{
			name:   "active deadline",
			mutate: func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.ActiveDeadlineSeconds = ptr.To[int64](5) },
			want:   []string{"spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported"},
		},
		{
			name:   "container without name",
			mutate: func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.Containers[0].Name = "" },
			want:   []string{"spec.template.spec.containers[0].name: Required value"},
		},
		{
			name:   "negative min ready",
			mutate: func(ds *appsv1.DaemonSet) { ds.Spec.MinReadySeconds = -1 },
			want:   []string{"spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0"},
		},
		{
			name:   "both non-zero",
			mutate: rollingUpdate(intstr.FromInt32(1), intstr.FromInt32(1)),
			want:   []string{"spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero"},
		},
		{
			name:   "both zero",
			mutate: rollingUpdate(intstr.FromString("0%"), intstr.FromInt32(0)),
			want:   []string{"spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0"},
		},
		{
			name:   "over 100 percent",
			mutate: rollingUpdate(intstr.FromInt32(0), intstr.FromString("101%")),
			want:   []string{`spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: "101%": must not be greater than 100%`},
		},
		{
			name:   "rolling update removed",
			mutate: func(ds *appsv1.DaemonSet) { ds.Spec.UpdateStrategy.RollingUpdate = nil },
			want:   []string{"spec.updateStrategy.rollingUpdate: Required value"},
		},
		{
			name:   "unknown strategy",
			mutate: func(ds *appsv1.DaemonSet) { ds.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: "Surge"} },
			want:   []string{`spec.updateStrategy: Unsupported value: {"type":"Surge"}: supported values: "RollingUpdate", "OnDelete"`},
		},
		{
			name:   "negative history",
			mutate: func(ds *appsv1.DaemonSet) { ds.Spec.RevisionHistoryLimit = ptr.To[int32](-1) },
			want:   []string{"spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ds := edited(tt.mutate)
			s := Resource().Strategy
			registrytest.CheckErrors(t, s.Validate(t.Context(), ds), tt.want...)
			registrytest.CheckErrors(t, s.ValidateUpdate(t.Context(), ds, ds.DeepCopy()), tt.want...)
		})
	}
}

func TestValidateUpdateSelectorImmutable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*appsv1.DaemonSet)
		want   []string
	}{
		{name: "new image", mutate: func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.Containers[0].Image = "fluent-bit:4" }},
		{
			name: "selector changed",
			mutate: func(ds *appsv1.DaemonSet) {
				ds.Spec.Selector.MatchLabels["app"] = "other"
				ds.Spec.Template.Labels["app"] = "other"
			},
			want: []string{`spec.selector: Invalid value: {"matchLabels":{"app":"other"}}: field is immutable`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			registrytest.CheckErrors(t, Resource().Strategy.ValidateUpdate(t.Context(), edited(tt.mutate), defaulted(nil)), tt.want...)
		})
	}
}

func TestValidateStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    appsv1.DaemonSetStatus
		collision *int32
		want      []string
	}{
		{name: "scheduled", status: appsv1.DaemonSetStatus{CurrentNumberScheduled: 3, DesiredNumberScheduled: 3, NumberReady: 2, NumberAvailable: 2, NumberUnavailable: 1}},
		{name: "negative", status: appsv1.DaemonSetStatus{NumberMisscheduled: -1, ObservedGeneration: -2}, want: []string{
			"status.numberMisscheduled: Invalid value: -1: must be greater than or equal to 0",
			"status.observedGeneration: Invalid value: -2: must be greater than or equal to 0",
		}},
		{name: "collisions decremented", collision: ptr.To[int32](1), want: []string{
			"status.collisionCount: Invalid value: 0: cannot be decremented",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			old := defaulted(nil)
			old.Status.CollisionCount = tt.collision
			ds := old.DeepCopy()
			ds.Status = tt.status
			registrytest.CheckErrors(t, Resource().StatusStrategy.ValidateUpdate(t.Context(), ds, old), tt.want...)
		})
	}
}
