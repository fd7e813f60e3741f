package node

import (
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	netutils "k8s.io/utils/net"
)

// Validation mirrors upstream's ValidateNode and ValidateNodeUpdate with
// their paths and messages. Left out: the taint and avoid-pods annotations
// and the deprecated spec.configSource / status.config. Metadata is checked
// by the store.

// taintsPath is where upstream reports taint errors: under metadata, not
// spec (a long-standing quirk clients see in messages).
var taintsPath = field.NewPath("metadata", "taints")

var taintEffects = []corev1.TaintEffect{corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute}

// validate is upstream's ValidateNode.
func validate(node *corev1.Node) field.ErrorList {
	errs := validateTaints(node.Spec.Taints)
	errs = append(errs, validateResources(node)...)
	return append(errs, validatePodCIDRs(node.Spec.PodCIDRs, field.NewPath("spec", "podCIDRs"))...)
}

// validateUpdate is upstream's ValidateNodeUpdate: status and most of the
// spec may change; pod CIDRs and the provider ID only from unset.
func validateUpdate(node, old *corev1.Node) field.ErrorList {
	errs := validateResources(node)
	addresses := map[corev1.NodeAddress]bool{}
	for i, a := range node.Status.Addresses {
		if addresses[a] {
			errs = append(errs, field.Duplicate(field.NewPath("status", "addresses").Index(i), a))
		}
		addresses[a] = true
	}
	if len(old.Spec.PodCIDRs) > 0 {
		const msg = "node updates may not change podCIDR except from \"\" to valid"
		path := field.NewPath("spec", "podCIDRs")
		if len(old.Spec.PodCIDRs) != len(node.Spec.PodCIDRs) {
			errs = append(errs, field.Forbidden(path, msg))
		} else {
			for i, cidr := range old.Spec.PodCIDRs {
				if cidr != node.Spec.PodCIDRs[i] {
					errs = append(errs, field.Forbidden(path, msg))
				}
			}
		}
	}
	if old.Spec.ProviderID != "" && old.Spec.ProviderID != node.Spec.ProviderID {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "providerID"), "node updates may not change providerID except from \"\" to valid"))
	}
	errs = append(errs, validateTaints(node.Spec.Taints)...)
	if node.Spec.DoNotUseExternalID != old.Spec.DoNotUseExternalID {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "externalID"), "may not be updated"))
	}
	return errs
}

// validateTaints checks keys, values and effects, and that no two taints
// share a key and an effect.
func validateTaints(taints []corev1.Taint) field.ErrorList {
	var errs field.ErrorList
	seen := map[corev1.TaintEffect]map[string]bool{}
	for i, t := range taints {
		idx := taintsPath.Index(i)
		errs = append(errs, metav1validation.ValidateLabelName(t.Key, idx.Child("key"))...)
		if msgs := validation.IsValidLabelValue(t.Value); len(msgs) != 0 {
			errs = append(errs, field.Invalid(idx.Child("value"), t.Value, strings.Join(msgs, ";")))
		}
		switch {
		case t.Effect == "":
			errs = append(errs, field.Required(idx.Child("effect"), ""))
		case !slices.Contains(taintEffects, t.Effect):
			errs = append(errs, field.NotSupported(idx.Child("effect"), t.Effect, taintEffects))
		}
		if seen[t.Effect][t.Key] {
			dup := field.Duplicate(idx, t)
			dup.Detail = "taints must be unique by key and effect pair"
			errs = append(errs, dup)
			continue
		}
		if seen[t.Effect] == nil {
			seen[t.Effect] = map[string]bool{}
		}
		seen[t.Effect][t.Key] = true
	}
	return errs
}

// validateResources checks capacity and allocatable quantities (upstream's
// ValidateNodeResources), names in order so errors are stable.
func validateResources(node *corev1.Node) field.ErrorList {
	var errs field.ErrorList
	for _, list := range []struct {
		name string
		list corev1.ResourceList
	}{{"capacity", node.Status.Capacity}, {"allocatable", node.Status.Allocatable}} {
		for _, name := range slices.Sorted(maps.Keys(list.list)) {
			errs = append(errs, validateQuantity(name, list.list[name], field.NewPath("status", list.name, string(name)))...)
		}
	}
	return errs
}

// validateQuantity is upstream's ValidateResourceQuantityValue: not
// negative, and whole for counted resources (pods, extended resources).
func validateQuantity(name corev1.ResourceName, q resource.Quantity, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if q.Sign() < 0 {
		errs = append(errs, field.Invalid(path, q.String(), apimachineryvalidation.IsNegativeErrorMsg))
	}
	if integerResource(name) && q.MilliValue()%1000 != 0 {
		errs = append(errs, field.Invalid(path, q, "must be an integer"))
	}
	return errs
}

// integerResource: pods, and extended resources (prefixed outside the
// kubernetes.io domain, and qualified as a quota's "requests.<name>").
func integerResource(name corev1.ResourceName) bool {
	s := string(name)
	if name == corev1.ResourcePods {
		return true
	}
	if !strings.Contains(s, "/") || strings.Contains(s, corev1.ResourceDefaultNamespacePrefix) || strings.HasPrefix(s, corev1.DefaultResourceRequestsPrefix) {
		return false
	}
	return len(validation.IsQualifiedName(corev1.DefaultResourceRequestsPrefix+s)) == 0
}

// validatePodCIDRs: valid CIDRs, at most one per family, no duplicates.
func validatePodCIDRs(cidrs []string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, c := range cidrs {
		errs = append(errs, validation.IsValidCIDR(path.Index(i), c)...)
	}
	if len(cidrs) < 2 {
		return errs
	}
	if dual, err := netutils.IsDualStackCIDRStrings(cidrs); err != nil || !dual || len(cidrs) > 2 {
		errs = append(errs, field.Invalid(path, cidrs, "may specify no more than one CIDR for each IP family"))
	}
	seen := map[string]bool{}
	for i, c := range cidrs {
		if seen[c] {
			errs = append(errs, field.Duplicate(path.Index(i), c))
		}
		seen[c] = true
	}
	return errs
}
