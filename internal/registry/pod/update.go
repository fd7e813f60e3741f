package pod

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// updatableFields is upstream's list, quoted in the error when an update
// touches anything else (pkg/apis/core/validation updatablePodSpecFields).
var updatableFields = []string{
	"`spec.containers[*].image`",
	"`spec.initContainers[*].image`",
	"`spec.activeDeadlineSeconds`",
	"`spec.tolerations` (only additions to existing tolerations)",
	"`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
}

// validateUpdate is upstream's ValidatePodUpdate: the new pod must be valid,
// and its spec may differ from the old one only in the updatable fields,
// in scheduling gates being removed, and (for gated pods) in node selector
// additions. spec.nodeName in particular is set only through a binding.
func validateUpdate(pod, old *corev1.Pod) field.ErrorList {
	errs := validatePod(pod)
	containerErrs, stop := validateContainerUpdates(pod.Spec.Containers, old.Spec.Containers, specPath.Child("containers"))
	if errs = append(errs, containerErrs...); stop {
		return errs
	}
	containerErrs, stop = validateContainerUpdates(pod.Spec.InitContainers, old.Spec.InitContainers, specPath.Child("initContainers"))
	if errs = append(errs, containerErrs...); stop {
		return errs
	}
	deadlineErrs, stop := validateDeadlineUpdate(pod.Spec.ActiveDeadlineSeconds, old.Spec.ActiveDeadlineSeconds)
	if errs = append(errs, deadlineErrs...); stop {
		return errs
	}
	errs = append(errs, validateOnlyAddedTolerations(pod.Spec.Tolerations, old.Spec.Tolerations, specPath.Child("tolerations"))...)
	errs = append(errs, validateOnlyDeletedGates(pod.Spec.SchedulingGates, old.Spec.SchedulingGates, specPath.Child("schedulingGates"))...)
	if apiequality.Semantic.DeepEqual(pod.Spec, old.Spec) {
		return errs
	}
	munged, mungeErrs := mungeUpdatable(&pod.Spec, &old.Spec)
	errs = append(errs, mungeErrs...)
	if !apiequality.Semantic.DeepEqual(*munged, old.Spec) {
		errs = append(errs, field.Forbidden(specPath, fmt.Sprintf("pod updates may not change fields other than %s\n%s",
			strings.Join(updatableFields, ","), specDiff(&old.Spec, munged))))
	}
	return errs
}

// validateContainerUpdates forbids adding or removing containers (and then
// stops: the rest compares containers by index) and checks the images.
func validateContainerUpdates(containers, old []corev1.Container, path *field.Path) (field.ErrorList, bool) {
	if len(containers) != len(old) {
		return field.ErrorList{field.Forbidden(path, "pod updates may not add or remove containers")}, true
	}
	var errs field.ErrorList
	for i, c := range containers {
		if c.Image == "" {
			errs = append(errs, field.Required(path.Index(i).Child("image"), ""))
		}
		if len(strings.TrimSpace(c.Image)) != len(c.Image) {
			errs = append(errs, field.Invalid(path.Index(i).Child("image"), c.Image, "must not have leading or trailing whitespace"))
		}
	}
	return errs, false
}

// validateDeadlineUpdate allows activeDeadlineSeconds to be set once, then
// only lowered.
func validateDeadlineUpdate(deadline, old *int64) (field.ErrorList, bool) {
	path := specPath.Child("activeDeadlineSeconds")
	switch {
	case deadline == nil && old != nil:
		return field.ErrorList{field.Invalid(path, deadline, "must not update from a positive integer to nil value")}, false
	case deadline == nil:
		return nil, false
	case *deadline < 0 || *deadline > math.MaxInt32:
		return field.ErrorList{field.Invalid(path, *deadline, validation.InclusiveRangeError(0, math.MaxInt32))}, true
	case old != nil && *old < *deadline:
		return field.ErrorList{field.Invalid(path, *deadline, "must be less than or equal to previous value")}, true
	}
	return nil, false
}

// validateOnlyDeletedGates allows scheduling gates to be removed, not added.
func validateOnlyDeletedGates(gates, old []corev1.PodSchedulingGate, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, g := range gates {
		if !slices.ContainsFunc(old, func(o corev1.PodSchedulingGate) bool { return o.Name == g.Name }) {
			errs = append(errs, field.Forbidden(path.Index(i).Child("name"),
				fmt.Sprintf("only deletion is allowed, but found new scheduling gate '%s'", g.Name)))
		}
	}
	return errs
}

// mungeUpdatable returns a copy of spec in which every field an update may
// change carries its old value, so that what remains to compare is what
// may not change.
func mungeUpdatable(spec, old *corev1.PodSpec) (*corev1.PodSpec, field.ErrorList) {
	munged := spec.DeepCopy()
	for i := range munged.Containers {
		munged.Containers[i].Image = old.Containers[i].Image
	}
	for i := range munged.InitContainers {
		munged.InitContainers[i].Image = old.InitContainers[i].Image
	}
	munged.ActiveDeadlineSeconds = old.ActiveDeadlineSeconds
	munged.SchedulingGates = old.SchedulingGates
	munged.Tolerations = old.Tolerations
	if g, og := munged.TerminationGracePeriodSeconds, old.TerminationGracePeriodSeconds; og != nil && *og < 0 && g != nil && *g == 1 {
		munged.TerminationGracePeriodSeconds = og
	}
	var errs field.ErrorList
	if len(old.SchedulingGates) > 0 && !apiequality.Semantic.DeepEqual(munged.NodeSelector, old.NodeSelector) {
		// A pod still waiting for its gates may gain node selector terms.
		errs = append(errs, validateNodeSelectorAdditions(munged.NodeSelector, old.NodeSelector, specPath.Child("nodeSelector"))...)
		munged.NodeSelector = old.NodeSelector
	}
	return munged, errs
}

func validateNodeSelectorAdditions(selector, old map[string]string, path *field.Path) field.ErrorList {
	for k, v := range old {
		if nv, ok := selector[k]; !ok || nv != v {
			return field.ErrorList{field.Invalid(path, selector, "only additions to spec.nodeSelector are allowed (no mutations or deletions)")}
		}
	}
	return nil
}

// specDiff describes, one top-level field per line, how spec differs from
// old. Upstream prints a go-cmp diff of its internal type; the text after
// the list of updatable fields is for humans and its shape is not a wire
// fact.
func specDiff(old, spec *corev1.PodSpec) string {
	before, after := fieldsJSON(old), fieldsJSON(spec)
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	var b strings.Builder
	b.WriteString("  v1.PodSpec{\n")
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if string(before[k]) == string(after[k]) {
			continue
		}
		if before[k] != nil {
			fmt.Fprintf(&b, "- \t%s: %s,\n", k, before[k])
		}
		if after[k] != nil {
			fmt.Fprintf(&b, "+ \t%s: %s,\n", k, after[k])
		}
	}
	b.WriteString("  }\n")
	return b.String()
}

// fieldsJSON splits a spec's JSON into its top-level fields.
func fieldsJSON(spec *corev1.PodSpec) map[string]json.RawMessage {
	data, err := json.Marshal(spec)
	if err != nil {
		return nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil
	}
	return fields
}
