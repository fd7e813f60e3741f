package service

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	netutils "k8s.io/utils/net"
)

// validateClusterIPs is upstream's ValidateServiceClusterIPsRelatedFields:
// clusterIP and clusterIPs agree, addresses are valid, "None" stands alone,
// at most one address per family, and families match addresses.
func validateClusterIPs(svc, old *corev1.Service) field.ErrorList {
	spec := &svc.Spec
	if spec.Type == corev1.ServiceTypeExternalName {
		return nil // validateTypeSpecific forbids all of these
	}
	var errs field.ErrorList
	if spec.ClusterIP != "" {
		if len(spec.ClusterIPs) == 0 {
			errs = append(errs, field.Required(clusterIPsPath, ""))
		} else if spec.ClusterIPs[0] != spec.ClusterIP {
			errs = append(errs, field.Invalid(clusterIPsPath, spec.ClusterIPs, "first value must match `clusterIP`"))
		}
	} else if len(spec.ClusterIPs) != 0 {
		errs = append(errs, field.Invalid(clusterIPsPath, spec.ClusterIPs, "must be empty when `clusterIP` is not specified"))
	}
	seen := map[corev1.IPFamily]bool{}
	for i, f := range spec.IPFamilies {
		if !slices.Contains(families, f) {
			errs = append(errs, field.NotSupported(ipFamiliesPath.Index(i), f, families))
		}
		if seen[f] {
			errs = append(errs, field.Duplicate(ipFamiliesPath.Index(i), f))
		}
		seen[f] = true
	}
	if p := spec.IPFamilyPolicy; p != nil && !slices.Contains(familyPolicies, *p) {
		errs = append(errs, field.NotSupported(familyPolicyPath, *p, familyPolicies))
	}
	var oldIPs []string
	if old != nil {
		oldIPs = old.Spec.ClusterIPs
	}
	invalid := false
	for i, ip := range spec.ClusterIPs {
		if i == 0 && ip == corev1.ClusterIPNone {
			if len(spec.ClusterIPs) > 1 {
				invalid = true
				errs = append(errs, field.Invalid(clusterIPsPath, spec.ClusterIPs, "'None' must be the first and only value"))
			}
			continue
		}
		ipErrs := validation.IsValidIPForLegacyField(clusterIPsPath.Index(i), ip, true, oldIPs)
		invalid = invalid || len(ipErrs) > 0
		errs = append(errs, ipErrs...)
	}
	if len(spec.ClusterIPs) > 2 {
		errs = append(errs, field.Invalid(clusterIPsPath, spec.ClusterIPs, "may only hold up to 2 values"))
	}
	if invalid {
		return errs // family checks on bad addresses only add noise
	}
	if len(spec.ClusterIPs) == 2 {
		if dual, _ := netutils.IsDualStackIPStrings(spec.ClusterIPs); !dual {
			errs = append(errs, field.Invalid(clusterIPsPath, spec.ClusterIPs, "may specify no more than one IP for each IP family"))
		}
	}
	if isHeadless(svc) {
		return errs
	}
	for i, ip := range spec.ClusterIPs {
		if i >= len(spec.IPFamilies) {
			break
		}
		switch f, isV6 := spec.IPFamilies[i], netutils.IsIPv6String(ip); {
		case f == corev1.IPv4Protocol && isV6:
			errs = append(errs, field.Invalid(clusterIPsPath.Index(i), ip, fmt.Sprintf("expected an IPv4 value as indicated by `ipFamilies[%v]`", i)))
		case f == corev1.IPv6Protocol && !isV6:
			errs = append(errs, field.Invalid(clusterIPsPath.Index(i), ip, fmt.Sprintf("expected an IPv6 value as indicated by `ipFamilies[%v]`", i)))
		}
	}
	return errs
}

// validateExternalIPs checks external IPs with the endpoint address rules,
// as upstream does for historical reasons.

// familyErrors reports what initIPFamilies could not satisfy on this
// IPv4-only cluster, with upstream's messages.
func familyErrors(svc *corev1.Service) field.ErrorList {
	if !needsClusterIP(svc) {
		return nil
	}
	spec := field.NewPath("spec")
	var errs field.ErrorList
	for i, ip := range svc.Spec.ClusterIPs {
		if ip == corev1.ClusterIPNone {
			break
		}
		if i >= len(svc.Spec.IPFamilies) && familyOf(ip) == corev1.IPv6Protocol {
			errs = append(errs, field.Invalid(spec.Child("clusterIPs").Index(i), svc.Spec.ClusterIPs, "IPv6 is not configured on this cluster"))
		}
	}
	if headlessSelectorless(svc) {
		return errs // may name both families on a single-stack cluster
	}
	if p := svc.Spec.IPFamilyPolicy; p != nil && *p == corev1.IPFamilyPolicyRequireDualStack {
		errs = append(errs, field.Invalid(spec.Child("ipFamilyPolicy"), *p, "this cluster is not configured for dual-stack services"))
	}
	for i, f := range svc.Spec.IPFamilies {
		if f != corev1.IPv4Protocol {
			errs = append(errs, field.Invalid(spec.Child("ipFamilies").Index(i), f, "not configured on this cluster"))
		}
	}
	return errs
}

// validateClusterIPsUpdate is upstream's validateUpgradeDowngradeClusterIPs:
// the primary cluster IP never changes, except to or from ExternalName or
// between two headless states.
func validateClusterIPsUpdate(svc, old *corev1.Service) field.ErrorList {
	if !needsClusterIP(svc) || !needsClusterIP(old) || (isHeadlessList(svc) && isHeadlessList(old)) {
		return nil
	}
	newIPs, oldIPs := svc.Spec.ClusterIPs, old.Spec.ClusterIPs
	const changed = "may not change once set"
	var errs field.ErrorList
	switch {
	case len(oldIPs) == len(newIPs):
		for i := range oldIPs {
			if oldIPs[i] != newIPs[i] {
				errs = append(errs, field.Invalid(clusterIPsPath.Index(i), newIPs, changed))
			}
		}
	case len(oldIPs) > len(newIPs):
		if len(newIPs) == 0 {
			errs = append(errs, field.Invalid(clusterIPsPath.Index(0), newIPs, "primary clusterIP can not be unset"))
		}
		if len(oldIPs) > 0 && len(newIPs) > 0 && oldIPs[0] != newIPs[0] {
			errs = append(errs, field.Invalid(clusterIPsPath.Index(0), newIPs, changed))
		}
		if len(newIPs) == 1 {
			if p := svc.Spec.IPFamilyPolicy; p == nil || *p != corev1.IPFamilyPolicySingleStack {
				errs = append(errs, field.Invalid(familyPolicyPath, p, "must be set to 'SingleStack' when releasing the secondary clusterIP"))
			}
		}
	default:
		if len(oldIPs) > 0 && oldIPs[0] != newIPs[0] {
			errs = append(errs, field.Invalid(clusterIPsPath.Index(0), newIPs, changed))
		}
	}
	return errs
}

// validateIPFamiliesUpdate is upstream's validateUpgradeDowngradeIPFamilies
// for the changes a single-stack cluster can see: the primary family stays.
func validateIPFamiliesUpdate(svc, old *corev1.Service) field.ErrorList {
	if !needsClusterIP(svc) || !needsClusterIP(old) || isHeadlessList(svc) || isHeadlessList(old) {
		return nil
	}
	newF, oldF := svc.Spec.IPFamilies, old.Spec.IPFamilies
	if len(newF) > 0 && len(oldF) > 0 && newF[0] != oldF[0] {
		return field.ErrorList{field.Invalid(ipFamiliesPath.Index(0), newF, "may not change once set")}
	}
	if len(newF) == 0 && len(oldF) > 0 && len(svc.Spec.ClusterIPs) == 0 {
		return field.ErrorList{field.Invalid(ipFamiliesPath.Index(0), newF, "primary ipFamily can not be unset")}
	}
	return nil
}

// isHeadlessList is upstream's isHeadlessService, which looks at clusterIPs.
func isHeadlessList(svc *corev1.Service) bool {
	return len(svc.Spec.ClusterIPs) == 1 && svc.Spec.ClusterIPs[0] == corev1.ClusterIPNone
}
