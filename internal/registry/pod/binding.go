package pod

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// bindingResource names the subresource in binding conflicts, as upstream
// does: `Operation cannot be fulfilled on pods/binding "web-1": ...`.
var bindingResource = schema.GroupResource{Resource: "pods/binding"}

// ValidateBinding checks a Binding posted to pods/binding (upstream's
// ValidatePodBinding): the target must be a node, by name. Upstream returns
// these errors as a 500 (an aggregate, "TODO: move me to a binding
// strategy"); a 422 with the same causes is the sane answer.
func ValidateBinding(binding *corev1.Binding) field.ErrorList {
	var errs field.ErrorList
	if k := binding.Target.Kind; k != "" && k != "Node" {
		errs = append(errs, field.NotSupported(field.NewPath("target", "kind"), k, []string{"Node", "<empty>"}))
	}
	if binding.Target.Name == "" {
		errs = append(errs, field.Required(field.NewPath("target", "name"), ""))
	}
	return errs
}

// BindAt assigns pod, the stored pod being updated, to the node binding
// targets, as upstream's setPodNodeAndMetadata: it sets spec.nodeName,
// clears status.nominatedNodeName (ClearingNominatedNodeNameAfterBinding,
// on since 1.35), copies the binding's annotations and labels onto the pod
// (labels since PodTopologyLabelsAdmission, on since 1.35) and sets
// PodScheduled=True at now.
//
// The binding's uid and resourceVersion, when set, are preconditions on the
// pod. A pod that is being deleted, already assigned or still gated cannot
// be bound: those errors are 409 Conflicts, ready to return to the client.
//
// Upstream writes the result straight to storage, bypassing the pod
// strategy: the caller must store it without the update rules (which
// forbid changing spec.nodeName) and without bumping metadata.generation.
func BindAt(pod *corev1.Pod, binding *corev1.Binding, now time.Time) error {
	if err := checkBindingPreconditions(pod, binding); err != nil {
		return err
	}
	conflict := func(format string, args ...any) error {
		return apierrors.NewConflict(bindingResource, pod.Name, fmt.Errorf(format, args...))
	}
	switch {
	case pod.DeletionTimestamp != nil:
		return conflict("pod %s is being deleted, cannot be assigned to a host", pod.Name)
	case pod.Spec.NodeName != "":
		return conflict("pod %v is already assigned to node %q", pod.Name, pod.Spec.NodeName)
	case len(pod.Spec.SchedulingGates) != 0:
		return conflict("pod %v has non-empty .spec.schedulingGates", pod.Name)
	}
	pod.Spec.NodeName = binding.Target.Name
	pod.Status.NominatedNodeName = ""
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	for k, v := range binding.Annotations {
		pod.Annotations[k] = v
	}
	if len(binding.Labels) > 0 && pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	for k, v := range binding.Labels {
		pod.Labels[k] = v
	}
	setCondition(&pod.Status, corev1.PodCondition{
		Type:               corev1.PodScheduled,
		Status:             corev1.ConditionTrue,
		ObservedGeneration: pod.Generation,
	}, now)
	return nil
}

// checkBindingPreconditions compares the binding's uid and resourceVersion
// with the pod's. Upstream's storage reports a mismatch as a conflict on
// the pod; its message also names the storage key, which evictd's differ.
func checkBindingPreconditions(pod *corev1.Pod, binding *corev1.Binding) error {
	podsResource := corev1.Resource("pods")
	if uid := binding.UID; uid != "" && uid != pod.UID {
		return apierrors.NewConflict(podsResource, pod.Name,
			fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", uid, pod.UID))
	}
	if rv := binding.ResourceVersion; rv != "" && rv != pod.ResourceVersion {
		return apierrors.NewConflict(podsResource, pod.Name,
			fmt.Errorf("Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", rv, pod.ResourceVersion))
	}
	return nil
}
