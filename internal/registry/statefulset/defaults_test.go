package statefulset

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestDefault(t *testing.T) {
	t.Parallel()
	retain := &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
		WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
		WhenScaled:  appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
	}
	rolling := appsv1.StatefulSetUpdateStrategy{
		Type:          appsv1.RollingUpdateStatefulSetStrategyType,
		RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr.To[int32](0)},
	}
	tests := []struct {
		name      string
		mutate    func(*appsv1.StatefulSet)
		replicas  int32
		policy    appsv1.PodManagementPolicyType
		strategy  appsv1.StatefulSetUpdateStrategy
		retention *appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy
	}{
		{name: "all unset", replicas: 1, policy: appsv1.OrderedReadyPodManagement, strategy: rolling, retention: retain},
		{
			name: "set values kept",
			mutate: func(sts *appsv1.StatefulSet) {
				sts.Spec.Replicas = ptr.To[int32](0)
				sts.Spec.PodManagementPolicy = appsv1.ParallelPodManagement
				sts.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenScaled: appsv1.DeletePersistentVolumeClaimRetentionPolicyType}
			},
			replicas: 0, policy: appsv1.ParallelPodManagement, strategy: rolling,
			retention: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
				WhenScaled:  appsv1.DeletePersistentVolumeClaimRetentionPolicyType,
			},
		},
		{
			name: "rolling update without a rollingUpdate stays without",
			mutate: func(sts *appsv1.StatefulSet) {
				sts.Spec.UpdateStrategy.Type = appsv1.RollingUpdateStatefulSetStrategyType
			},
			replicas: 1, policy: appsv1.OrderedReadyPodManagement, retention: retain,
			strategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType},
		},
		{
			name:     "on delete",
			mutate:   func(sts *appsv1.StatefulSet) { sts.Spec.UpdateStrategy.Type = appsv1.OnDeleteStatefulSetStrategyType },
			replicas: 1, policy: appsv1.OrderedReadyPodManagement, retention: retain,
			strategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sts := defaulted(tt.mutate)
			spec := sts.Spec
			if *spec.Replicas != tt.replicas || *spec.RevisionHistoryLimit != 10 || spec.PodManagementPolicy != tt.policy {
				t.Errorf("replicas %d history %d policy %s", *spec.Replicas, *spec.RevisionHistoryLimit, spec.PodManagementPolicy)
			}
			if !apiequality.Semantic.DeepEqual(spec.UpdateStrategy, tt.strategy) || !apiequality.Semantic.DeepEqual(spec.PersistentVolumeClaimRetentionPolicy, tt.retention) {
				t.Errorf("strategy %+v retention %+v", spec.UpdateStrategy, spec.PersistentVolumeClaimRetentionPolicy)
			}
			if spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
				t.Errorf("template not defaulted: %+v", spec.Template.Spec)
			}
		})
	}
}

func TestDefaultClaimTemplates(t *testing.T) {
	t.Parallel()
	block := corev1.PersistentVolumeBlock
	tests := []struct {
		name    string
		mode    *corev1.PersistentVolumeMode
		request string
		want    corev1.PersistentVolumeClaim
	}{
		{
			name: "filesystem and pending", request: "1Gi",
			want: corev1.PersistentVolumeClaim{
				ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{
					VolumeMode: ptr.To(corev1.PersistentVolumeFilesystem),
					Resources:  corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
				},
				Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
			},
		},
		{
			name: "block kept, quantity rounded up", mode: &block, request: "0.0001",
			want: corev1.PersistentVolumeClaim{
				ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{
					VolumeMode: ptr.To(corev1.PersistentVolumeBlock),
					Resources:  corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1m")}},
				},
				Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sts := defaulted(func(sts *appsv1.StatefulSet) {
				sts.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{
					ObjectMeta: metav1.ObjectMeta{Name: "data"},
					Spec: corev1.PersistentVolumeClaimSpec{
						VolumeMode: tt.mode,
						Resources:  corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(tt.request)}},
					},
				}}
			})
			if got := sts.Spec.VolumeClaimTemplates[0]; !apiequality.Semantic.DeepEqual(got, tt.want) {
				t.Errorf("claim template = %+v, want %+v", got, tt.want)
			}
		})
	}
}
