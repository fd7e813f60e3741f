package replicaset

import (
	"testing"

	"github.com/evictd/evictd/internal/registry/registrytest"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*appsv1.ReplicaSet)
		want   []string
	}{
		{name: "minimal"},
		{name: "zero replicas", mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Replicas = ptr.To[int32](0) }},
		{name: "selector subset of labels", mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Template.Labels["tier"] = "fe" }},
		{
			name:   "negative replicas",
			mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Replicas = ptr.To[int32](-1) },
			want:   []string{"spec.replicas: Invalid value: -1: must be greater than or equal to 0"},
		},
		{
			name:   "negative min ready",
			mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.MinReadySeconds = -5 },
			want:   []string{"spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0"},
		},
		{
			name:   "no selector",
			mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Selector = nil },
			want: []string{
				"spec.selector: Required value",
				"spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`",
			},
		},
		{
			name:   "empty selector",
			mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Selector = &metav1.LabelSelector{} },
			want:   []string{"spec.selector: Invalid value: {}: empty selector is invalid for deployment"},
		},
		{
			name: "unparsable selector",
			mutate: func(rs *appsv1.ReplicaSet) {
				rs.Spec.Selector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "tier", Operator: "Near"}}
			},
			want: []string{
				`spec.selector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator`,
				`spec.selector: Invalid value: {"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"Near"}]}: invalid label selector`,
			},
		},
		{
			name:   "selector does not match",
			mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Template.Labels = map[string]string{"app": "db"} },
			want:   []string{"spec.template.metadata.labels: Invalid value: {\"app\":\"db\"}: `selector` does not match template `labels`"},
		},
		{
			name:   "bad template label",
			mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Template.Labels["bad key"] = "x" },
			want:   []string{`spec.template.labels: Invalid value: "bad key": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`},
		},
		{
			name:   "no containers",
			mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Template.Spec.Containers = nil },
			want:   []string{"spec.template.spec.containers: Required value"},
		},
		{
			name:   "restart never",
			mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever },
			want:   []string{`spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`},
		},
		{
			name:   "active deadline",
			mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Template.Spec.ActiveDeadlineSeconds = ptr.To[int64](60) },
			want:   []string{"spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs := defaulted(tt.mutate)
			s := Resource().Strategy
			registrytest.CheckErrors(t, s.Validate(t.Context(), rs), tt.want...)
			registrytest.CheckErrors(t, s.ValidateUpdate(t.Context(), rs, rs.DeepCopy()), tt.want...)
		})
	}
}

func TestValidateUpdateSelectorImmutable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*appsv1.ReplicaSet)
		want   []string
	}{
		{name: "scale", mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Replicas = ptr.To[int32](5) }},
		{name: "new image", mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Template.Spec.Containers[0].Image = "nginx:1.28" }},
		{
			name: "selector narrowed",
			mutate: func(rs *appsv1.ReplicaSet) {
				rs.Spec.Template.Labels["tier"] = "fe"
				rs.Spec.Selector.MatchLabels["tier"] = "fe"
			},
			want: []string{`spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"fe"}}: field is immutable`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			old := defaulted(nil)
			registrytest.CheckErrors(t, Resource().Strategy.ValidateUpdate(t.Context(), defaulted(tt.mutate), old), tt.want...)
		})
	}
}

func TestValidateStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status appsv1.ReplicaSetStatus
		want   []string
	}{
		{name: "running", status: appsv1.ReplicaSetStatus{Replicas: 3, FullyLabeledReplicas: 3, ReadyReplicas: 2, AvailableReplicas: 1, ObservedGeneration: 2}},
		{name: "negative generation", status: appsv1.ReplicaSetStatus{ObservedGeneration: -1}, want: []string{
			"status.observedGeneration: Invalid value: -1: must be greater than or equal to 0",
		}},
		{name: "negative replicas exceeded by zero counts", status: appsv1.ReplicaSetStatus{Replicas: -1}, want: []string{
			"status.replicas: Invalid value: -1: must be greater than or equal to 0",
			"status.fullyLabeledReplicas: Invalid value: 0: cannot be greater than status.replicas",
			"status.readyReplicas: Invalid value: 0: cannot be greater than status.replicas",
			"status.availableReplicas: Invalid value: 0: cannot be greater than status.replicas",
		}},
		{name: "more ready than replicas", status: appsv1.ReplicaSetStatus{Replicas: 1, FullyLabeledReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 3}, want: []string{
			"status.fullyLabeledReplicas: Invalid value: 2: cannot be greater than status.replicas",
			"status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas",
			"status.availableReplicas: Invalid value: 3: cannot be greater than status.replicas",
			"status.availableReplicas: Invalid value: 3: cannot be greater than readyReplicas",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			old := defaulted(nil)
			rs := old.DeepCopy()
			rs.Status = tt.status
			registrytest.CheckErrors(t, Resource().StatusStrategy.ValidateUpdate(t.Context(), rs, old), tt.want...)
		})
	}
}
