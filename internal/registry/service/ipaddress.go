package service

import (
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/registry"
)

// managedBy is the value of the managed-by label upstream's allocator puts
// on the IPAddress objects it creates (ipallocator.ControllerName); its
// repair only touches objects that carry it.
const managedBy = "ipallocator.k8s.io"

// ipAddressResource describes networking.k8s.io/v1 IPAddresses for the
// store that keeps them: the allocator's objects, under
// /networking.k8s.io/ipaddresses/<ip> like every other resource's (the
// API does not serve them).
func ipAddressResource() *registry.Resource {
	return &registry.Resource{
		GroupVersion: networkingv1.SchemeGroupVersion,
		Plural:       "ipaddresses",
		Singular:     "ipaddress",
		Kind:         "IPAddress",
		ListKind:     "IPAddressList",
		Namespaced:   false,
		ValidateName: validateIPAddressName,
		New:          func() runtime.Object { return &networkingv1.IPAddress{} },
		NewList:      func() runtime.Object { return &networkingv1.IPAddressList{} },
		Strategy:     registry.DefaultStrategy{},
	}
}

// validateIPAddressName accepts an address in its canonical form, as
// upstream's ValidateIPAddressName.
func validateIPAddressName(name string, prefix bool) []string {
	if prefix {
		return []string{"generateName is not allowed"}
	}
	addr, err := netip.ParseAddr(name)
	if err != nil || addr.String() != name {
		return []string{"must be a canonical IP address"}
	}
	return nil
}

// newIPAddress is the object that allocates ip to svc, labelled as
// upstream's allocator labels it.
func newIPAddress(ip string, svc *corev1.Service) *networkingv1.IPAddress {
	return &networkingv1.IPAddress{
		ObjectMeta: metav1.ObjectMeta{
			Name: ip,
			Labels: map[string]string{
				networkingv1.LabelIPAddressFamily: string(corev1.IPv4Protocol),
				networkingv1.LabelManagedBy:       managedBy,
			},
		},
		Spec: networkingv1.IPAddressSpec{ParentRef: &networkingv1.ParentReference{
			Group: "", Resource: "services", Namespace: svc.Namespace, Name: svc.Name,
		}},
	}
}

// isParent reports whether ipa allocates its address to svc.
func isParent(ipa *networkingv1.IPAddress, svc *corev1.Service) bool {
	ref := ipa.Spec.ParentRef
	return refersToService(ipa) && ref.Namespace == svc.Namespace && ref.Name == svc.Name
}

// refersToService reports whether ipa's parent is a core service.
func refersToService(ipa *networkingv1.IPAddress) bool {
	ref := ipa.Spec.ParentRef
	return ref != nil && ref.Group == "" && ref.Resource == "services"
}
