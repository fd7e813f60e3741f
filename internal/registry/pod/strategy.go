package pod

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/registry"
)

// strategy holds the rules of the pods resource (upstream's podStrategy).
// PUT may omit resourceVersion and may not create (DefaultStrategy).
type strategy struct {
	registry.DefaultStrategy
	// clock stamps the conditions the strategy adds.
	clock clock.PassiveClock
}

// Default applies the v1 defaults.
func (strategy) Default(obj runtime.Object) { Default(obj.(*corev1.Pod)) }

// PrepareForCreate replaces any status sent with the initial one, Pending
// with the computed QoS class, and starts generation tracking at 1 (pods
// track metadata.generation since 1.33, PodObservedGenerationTracking;
// current upstream does it unconditionally). It also applies what the
// Priority and DefaultTolerationSeconds admission plugins set on create,
// and marks a pod with scheduling gates as not scheduled.
func (s strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	pod := obj.(*corev1.Pod)
	pod.Generation = 1
	pod.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: qosClass(pod)}
	admitPriority(&pod.Spec)
	admitDefaultTolerationSeconds(&pod.Spec)
	if len(pod.Spec.SchedulingGates) > 0 {
		setCondition(&pod.Status, corev1.PodCondition{
			Type:    corev1.PodScheduled,
			Status:  corev1.ConditionFalse,
			Reason:  corev1.PodReasonSchedulingGated,
			Message: "Scheduling is blocked due to non-empty scheduling gates",
		}, s.clock.Now())
	}
}

// Validate checks a new pod (upstream's ValidatePodCreate).
func (strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validateCreate(obj.(*corev1.Pod))
}

// PrepareForUpdate keeps the stored status (it changes through
// pods/status), applies DefaultTolerationSeconds as upstream does on
// updates too, and bumps generation when the spec changed.
func (strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	pod, oldPod := obj.(*corev1.Pod), old.(*corev1.Pod)
	pod.Status = oldPod.Status
	admitDefaultTolerationSeconds(&pod.Spec)
	if !apiequality.Semantic.DeepEqual(pod.Spec, oldPod.Spec) {
		pod.Generation++
	}
}

// ValidateUpdate checks an update (upstream's ValidatePodUpdate).
func (strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validateUpdate(obj.(*corev1.Pod), old.(*corev1.Pod))
}
