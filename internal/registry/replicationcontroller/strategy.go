package replicationcontroller

import (
	"context"
	"maps"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/registry/pod"
	"github.com/evictd/evictd/internal/registry/workload"
)

// strategy holds the rules of the main resource (upstream's rcStrategy).
// PUT may omit resourceVersion and may not create. Unlike apps/v1
// workloads, the selector may change.
type strategy struct{ registry.DefaultStrategy }

// Default is upstream's SetDefaults_ReplicationController: the template's
// labels stand in for an empty selector and for missing object labels;
// one replica. The template gets the pod spec defaults.
func (strategy) Default(obj runtime.Object) {
	rc := obj.(*corev1.ReplicationController)
	if t := rc.Spec.Template; t != nil && t.Labels != nil {
		if len(rc.Spec.Selector) == 0 {
			rc.Spec.Selector = maps.Clone(t.Labels)
		}
		if len(rc.Labels) == 0 {
			rc.Labels = maps.Clone(t.Labels)
		}
	}
	if rc.Spec.Replicas == nil {
		rc.Spec.Replicas = ptr.To[int32](1)
	}
	if rc.Spec.Template != nil {
		pod.DefaultPodSpec(&rc.Spec.Template.Spec)
	}
}

// PrepareForCreate wipes any status sent and starts generation at 1.
func (strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	rc := obj.(*corev1.ReplicationController)
	rc.Status = corev1.ReplicationControllerStatus{}
	rc.Generation = 1
}

// Validate checks a new ReplicationController.
func (strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validateSpec(&obj.(*corev1.ReplicationController).Spec)
}

// PrepareForUpdate keeps the stored status and bumps generation when the
// spec changed.
func (strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	rc, oldRC := obj.(*corev1.ReplicationController), old.(*corev1.ReplicationController)
	rc.Status = oldRC.Status
	workload.BumpGeneration(rc, oldRC, rc.Spec, oldRC.Spec)
}

// ValidateUpdate checks the new spec.
func (strategy) ValidateUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	return validateSpec(&obj.(*corev1.ReplicationController).Spec)
}

// statusStrategy serves replicationcontrollers/status: it takes status and
// keeps spec.
type statusStrategy struct{ registry.DefaultStrategy }

// PrepareForUpdate keeps the stored spec.
func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*corev1.ReplicationController).Spec = old.(*corev1.ReplicationController).Spec
}

// ValidateUpdate checks the counters of the new status.
func (statusStrategy) ValidateUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	return validateStatus(&obj.(*corev1.ReplicationController).Status)
}
