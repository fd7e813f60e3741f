package statefulset

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
	maxUnavailable := func(v intstr.IntOrString) func(*appsv1.StatefulSet) {
		return func(sts *appsv1.StatefulSet) { sts.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = &v }
	}
	tests := []struct {
		name   string
		mutate func(*appsv1.StatefulSet)
		want   []string
	}{
		{name: "minimal"},
		{name: "parallel", mutate: func(sts *appsv1.StatefulSet) { sts.Spec.PodManagementPolicy = appsv1.ParallelPodManagement }},
		{name: "on delete", mutate: func(sts *appsv1.StatefulSet) {
			sts.Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType}
		}},
		{name: "max unavailable", mutate: maxUnavailable(intstr.FromString("50%"))},
		{name: "ordinals", mutate: func(sts *appsv1.StatefulSet) { sts.Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: 1} }},
		{
			name:   "template pod spec is not checked",
			mutate: func(sts *appsv1.StatefulSet) { sts.Spec.Template.Spec.Containers = nil },
		},
		{
			name:   "unknown pod management",
			mutate: func(sts *appsv1.StatefulSet) { sts.Spec.PodManagementPolicy = "Random" },
			want:   []string{`spec.podManagementPolicy: Invalid value: "Random": must be 'OrderedReady' or 'Parallel'`},
		},
		{
			name:   "unknown update strategy",
			mutate: func(sts *appsv1.StatefulSet) { sts.Spec.UpdateStrategy.Type = "Canary" },
			want:   []string{`spec.updateStrategy: Invalid value: {"type":"Canary","rollingUpdate":{"partition":0}}: must be 'RollingUpdate' or 'OnDelete'`},
		},
		{
			name:   "on delete with rolling update",
			mutate: func(sts *appsv1.StatefulSet) { sts.Spec.UpdateStrategy.Type = appsv1.OnDeleteStatefulSetStrategyType },
			want:   []string{`spec.updateStrategy.rollingUpdate: Invalid value: {"partition":0}: only allowed for updateStrategy 'RollingUpdate'`},
		},
		{
			name:   "negative partition",
			mutate: func(sts *appsv1.StatefulSet) { sts.Spec.UpdateStrategy.RollingUpdate.Partition = ptr.To[int32](-1) },
			want:   []string{"spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0"},
		},
		{
			name:   "zero max unavailable",
			mutate: maxUnavailable(intstr.FromString("0%")),
			want:   []string{`spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: "0%": cannot be 0`},
		},
		{
			name:   "max unavailable over 100%",
			mutate: maxUnavailable(intstr.FromString("120%")),
			want:   []string{`spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: "120%": must not be greater than 100%`},
		},
		{
			name: "unknown retention",
			mutate: func(sts *appsv1.StatefulSet) {
				sts.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted = "Archive"
			},
			want: []string{`spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Archive": supported values: "Retain", "Delete"`},
		},
		{
			name:   "negative ordinal start",
			mutate: func(sts *appsv1.StatefulSet) { sts.Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: -1} },
			want:   []string{"spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0"},
		},
		{
			name:   "negative replicas",
			mutate: func(sts *appsv1.StatefulSet) { sts.Spec.Replicas = ptr.To[int32](-2) },
			want:   []string{"spec.replicas: Invalid value: -2: must be greater than or equal to 0"},
		},
		{
			name:   "no selector",
			mutate: func(sts *appsv1.StatefulSet) { sts.Spec.Selector = nil },
			want: []string{
				"spec.selector: Required value",
				"spec.template.metadata.labels: Invalid value: {\"app\":\"db\"}: `selector` does not match template `labels`",
			},
		},
		{
			name:   "empty selector",
			mutate: func(sts *appsv1.StatefulSet) { sts.Spec.Selector = &metav1.LabelSelector{} },
			want:   []string{"spec.selector: Invalid value: {}: empty selector is invalid for statefulset"},
		},
		{
			name: "unparsable selector",
			mutate: func(sts *appsv1.StatefulSet) {
				sts.Spec.Selector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpIn}}
			},
			want: []string{
				"spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
				`spec.selector: Invalid value: {"matchLabels":{"app":"db"},"matchExpressions":[{"key":"app","operator":"In"}]}`,
			},
		},
		{
			name:   "restart never",
			mutate: func(sts *appsv1.StatefulSet) { sts.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever },
			want:   []string{`spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`},
		},
		{
			name:   "active deadline",
			mutate: func(sts *appsv1.StatefulSet) { sts.Spec.Template.Spec.ActiveDeadlineSeconds = ptr.To[int64](1) },
			want:   []string{"spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sts := edited(tt.mutate)
			s := Resource().Strategy
			registrytest.CheckErrors(t, s.Validate(t.Context(), sts), tt.want...)
			registrytest.CheckErrors(t, s.ValidateUpdate(t.Context(), sts, sts.DeepCopy()), tt.want...)
		})
	}
}

func TestValidateUpdate(t *testing.T) {
	t.Parallel()
	const forbidden = "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
	tests := []struct {
		name   string
		mutate func(*appsv1.StatefulSet)
		want   []string
	}{
		{name: "scale", mutate: func(sts *appsv1.StatefulSet) { sts.Spec.Replicas = ptr.To[int32](5) }},
		{name: "new image", mutate: func(sts *appsv1.StatefulSet) { sts.Spec.Template.Spec.Containers[0].Image = "postgres:18" }},
		{name: "partition", mutate: func(sts *appsv1.StatefulSet) { sts.Spec.UpdateStrategy.RollingUpdate.Partition = ptr.To[int32](2) }},
		{name: "ordinals", mutate: func(sts *appsv1.StatefulSet) { sts.Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: 5} }},
		{name: "min ready", mutate: func(sts *appsv1.StatefulSet) { sts.Spec.MinReadySeconds = 10 }},
		{name: "retention", mutate: func(sts *appsv1.StatefulSet) {
			sts.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled = appsv1.DeletePersistentVolumeClaimRetentionPolicyType
		}},
		{name: "service name", mutate: func(sts *appsv1.StatefulSet) { sts.Spec.ServiceName = "other" }, want: []string{forbidden}},
		{name: "pod management", mutate: func(sts *appsv1.StatefulSet) { sts.Spec.PodManagementPolicy = appsv1.ParallelPodManagement }, want: []string{forbidden}},
		{name: "history limit", mutate: func(sts *appsv1.StatefulSet) { sts.Spec.RevisionHistoryLimit = ptr.To[int32](3) }, want: []string{forbidden}},
		{name: "claim templates", mutate: func(sts *appsv1.StatefulSet) {
			sts.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"}}}
		}, want: []string{forbidden}},
		{name: "selector", mutate: func(sts *appsv1.StatefulSet) {
			sts.Spec.Selector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpExists}}
		}, want: []string{forbidden}},
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
		status    appsv1.StatefulSetStatus
		collision *int32
		want      []string
	}{
		{name: "rolling", status: appsv1.StatefulSetStatus{ObservedGeneration: 2, Replicas: 3, ReadyReplicas: 3, CurrentReplicas: 2, UpdatedReplicas: 1, AvailableReplicas: 3}},
		{name: "negative", status: appsv1.StatefulSetStatus{ObservedGeneration: -1, CollisionCount: ptr.To[int32](-1)}, want: []string{
			"status.observedGeneration: Invalid value: -1: must be greater than or equal to 0",
			"status.collisionCount: Invalid value: -1: must be greater than or equal to 0",
		}},
		{name: "over replicas", status: appsv1.StatefulSetStatus{Replicas: 1, ReadyReplicas: 1, CurrentReplicas: 2, AvailableReplicas: 2}, want: []string{
			"status.currentReplicas: Invalid value: 2: cannot be greater than status.replicas",
			"status.availableReplicas: Invalid value: 2: cannot be greater than status.replicas",
			"status.availableReplicas: Invalid value: 2: cannot be greater than status.readyReplicas",
		}},
		{name: "collisions decremented", collision: ptr.To[int32](2), status: appsv1.StatefulSetStatus{CollisionCount: ptr.To[int32](1)}, want: []string{
			"status.collisionCount: Invalid value: 1: cannot be decremented",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			old := defaulted(nil)
			old.Status.CollisionCount = tt.collision
			sts := old.DeepCopy()
			sts.Status = tt.status
			registrytest.CheckErrors(t, Resource().StatusStrategy.ValidateUpdate(t.Context(), sts, old), tt.want...)
		})
	}
}

func TestValidateName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		objName string
		valid   bool
	}{
		{name: "dns label", objName: "db-0a", valid: true},
		{name: "dots are not allowed in pod hostnames", objName: "db.primary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := len(Resource().ValidateName(tt.objName, false)) == 0; got != tt.valid {
				t.Errorf("ValidateName(%q) valid = %v, want %v", tt.objName, got, tt.valid)
			}
		})
	}
}
