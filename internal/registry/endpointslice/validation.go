package endpointslice

import (
	"errors"
	"fmt"
	"reflect"
	"slices"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	netutils "k8s.io/utils/net"
)

// Upstream's limits. maxPorts is 20000 upstream (not the 100 endpoints a
// controller puts in one slice by default): a slice may carry every port
// of a service.
const (
	maxEndpoints      = 1000
	maxAddresses      = 100
	maxPorts          = 20000
	maxTopologyLabels = 16
	maxZoneHints      = 8
)

var (
	// addressTypes and protocols are sorted as upstream's messages list them.
	addressTypes = []discoveryv1.AddressType{discoveryv1.AddressTypeFQDN, discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6}
	protocols    = []corev1.Protocol{corev1.ProtocolSCTP, corev1.ProtocolTCP, corev1.ProtocolUDP}
)

// validate is upstream's ValidateEndpointSlice without the metadata checks
// the store makes. On update (old set) unchanged endpoints are not checked
// again: they may hold IPs accepted under older, looser rules.
func validate(eps, old *discoveryv1.EndpointSlice) field.ErrorList {
	errs := validateAddressType(eps.AddressType)
	errs = append(errs, validatePorts(eps.Ports, field.NewPath("ports"))...)
	if old == nil || !reflect.DeepEqual(old.Endpoints, eps.Endpoints) {
		errs = append(errs, validateEndpoints(eps.Endpoints, eps.AddressType, field.NewPath("endpoints"))...)
	}
	return errs
}

func validateAddressType(t discoveryv1.AddressType) field.ErrorList {
	path := field.NewPath("addressType")
	switch {
	case t == "":
		return field.ErrorList{field.Required(path, "")}
	case !slices.Contains(addressTypes, t):
		return field.ErrorList{field.NotSupported(path, t, addressTypes)}
	}
	return nil
}

func validateEndpoints(endpoints []discoveryv1.Endpoint, t discoveryv1.AddressType, path *field.Path) field.ErrorList {
	if len(endpoints) > maxEndpoints {
		return field.ErrorList{field.TooMany(path, len(endpoints), maxEndpoints)}
	}
	var errs field.ErrorList
	for i := range endpoints {
		errs = append(errs, validateEndpoint(&endpoints[i], t, path.Index(i))...)
	}
	return errs
}

func validateEndpoint(ep *discoveryv1.Endpoint, t discoveryv1.AddressType, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	addrPath := path.Child("addresses")
	if len(ep.Addresses) == 0 {
		errs = append(errs, field.Required(addrPath, "must contain at least 1 address"))
	} else if len(ep.Addresses) > maxAddresses {
		errs = append(errs, field.TooMany(addrPath, len(ep.Addresses), maxAddresses))
	}
	for i, a := range ep.Addresses {
		errs = append(errs, validateAddress(a, t, addrPath.Index(i))...)
	}
	if ep.NodeName != nil {
		for _, msg := range validation.IsDNS1123Subdomain(*ep.NodeName) {
			errs = append(errs, field.Invalid(path.Child("nodeName"), *ep.NodeName, msg))
		}
	}
	topoPath := path.Child("deprecatedTopology")
	if len(ep.DeprecatedTopology) > maxTopologyLabels {
		errs = append(errs, field.TooMany(topoPath, len(ep.DeprecatedTopology), maxTopologyLabels))
	}
	errs = append(errs, metav1validation.ValidateLabels(ep.DeprecatedTopology, topoPath)...)
	if _, ok := ep.DeprecatedTopology[corev1.LabelTopologyZone]; ok {
		// The zone lives in endpoints[].zone since v1; upstream reports
		// the old key as an internal error.
		errs = append(errs, field.InternalError(topoPath.Key(corev1.LabelTopologyZone), errors.New("reserved key was not removed in conversion")))
	}
	if ep.Hostname != nil {
		for _, msg := range validation.IsDNS1123Label(*ep.Hostname) {
			errs = append(errs, field.Invalid(path.Child("hostname"), *ep.Hostname, msg))
		}
	}
	if ep.Hints != nil {
		errs = append(errs, validateZoneHints(ep.Hints.ForZones, path.Child("hints", "forZones"))...)
	}
	return errs
}

// validateAddress checks an address against the slice's type; an IP must
// also be one a pod or node could have (upstream's ValidateEndpointIP).
// IPs are parsed as upstream parses legacy IP fields with strict
// validation (no leading zeros, no IPv4-mapped IPv6), then their family is
// checked against the type.
func validateAddress(a string, t discoveryv1.AddressType, path *field.Path) field.ErrorList {
	var want func(string) bool
	switch t {
	case discoveryv1.AddressTypeIPv4:
		want = netutils.IsIPv4String
	case discoveryv1.AddressTypeIPv6:
		want = netutils.IsIPv6String
	case discoveryv1.AddressTypeFQDN:
		return validation.IsFullyQualifiedDomainName(path, a)
	default:
		return nil // an unknown type is reported once, not per address
	}
	if errs := validation.IsValidIPForLegacyField(path, a, true, nil); len(errs) > 0 {
		return errs
	}
	if !want(a) {
		return field.ErrorList{field.Invalid(path, a, "must be an "+string(t)+" address")}
	}
	return validateEndpointIP(a, path)
}

// validateEndpointIP rejects the address kinds that cannot be an endpoint,
// with upstream's messages (the endpoints package has the same rule).
func validateEndpointIP(value string, path *field.Path) field.ErrorList {
	ip := netutils.ParseIPSloppy(value)
	var errs field.ErrorList
	if ip.IsUnspecified() {
		errs = append(errs, field.Invalid(path, value, fmt.Sprintf("may not be unspecified (%v)", value)))
	}
	if ip.IsLoopback() {
		errs = append(errs, field.Invalid(path, value, "may not be in the loopback range (127.0.0.0/8, ::1/128)"))
	}
	if ip.IsLinkLocalUnicast() {
		errs = append(errs, field.Invalid(path, value, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"))
	}
	if ip.IsLinkLocalMulticast() {
		errs = append(errs, field.Invalid(path, value, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"))
	}
	return errs
}

func validateZoneHints(zones []discoveryv1.ForZone, path *field.Path) field.ErrorList {
	if len(zones) > maxZoneHints {
		return field.ErrorList{field.TooMany(path, len(zones), maxZoneHints)}
	}
	var errs field.ErrorList
	seen := sets.New[string]()
	for i, z := range zones {
		namePath := path.Index(i).Child("name")
		if seen.Has(z.Name) {
			errs = append(errs, field.Duplicate(namePath, z.Name))
		}
		seen.Insert(z.Name)
		for _, msg := range validation.IsValidLabelValue(z.Name) {
			errs = append(errs, field.Invalid(namePath, z.Name, msg))
		}
	}
	return errs
}
