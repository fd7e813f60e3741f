package endpointslice

import (
	"maps"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// newSlice is an empty slice of svc for ports and address type: named by
// the API server from "<service>-", controlled by the Service (so the
// garbage collector removes it with the Service).
func newSlice(svc *corev1.Service, ports []discoveryv1.EndpointPort, at discoveryv1.AddressType) *discoveryv1.EndpointSlice {
	s := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    namePrefix(svc.Name),
			Namespace:       svc.Namespace,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(svc, corev1.SchemeGroupVersion.WithKind("Service"))},
		},
		AddressType: at,
		Ports:       ports,
		Endpoints:   []discoveryv1.Endpoint{},
	}
	s.Labels, _ = sliceLabels(s, svc)
	return s
}

// namePrefix is "<service>-", or the bare name when the dash would make an
// invalid name prefix (a name at the length limit).
func namePrefix(service string) string {
	// A generated name appends characters after the prefix, so the
	// prefix is valid when it is with its trailing dash masked.
	if len(validation.IsDNS1123Subdomain(service+"a")) != 0 {
		return service
	}
	return service + "-"
}

// sliceLabels are the labels s should carry: the Service's, except the
// three reserved keys, plus service-name, managed-by and, for a headless
// Service, the headless label. The second result tells whether s differs.
// (Upstream's comparison only notices labels removed or changed on the
// Service; this one also notices labels added.)
func sliceLabels(s *discoveryv1.EndpointSlice, svc *corev1.Service) (map[string]string, bool) {
	want := map[string]string{}
	for k, v := range svc.Labels {
		if !reservedLabel(k) {
			want[k] = v
		}
	}
	if isHeadless(svc) {
		want[corev1.IsHeadlessService] = ""
	}
	want[discoveryv1.LabelServiceName] = svc.Name
	want[discoveryv1.LabelManagedBy] = ManagedBy
	return want, !maps.Equal(want, s.Labels)
}

func reservedLabel(key string) bool {
	return key == discoveryv1.LabelServiceName || key == discoveryv1.LabelManagedBy || key == corev1.IsHeadlessService
}

// ownedBy: s has a reference to svc (by UID) as a v1 Service.
func ownedBy(s *discoveryv1.EndpointSlice, svc *corev1.Service) bool {
	for _, ref := range s.OwnerReferences {
		if ref.UID == svc.UID && ref.Kind == "Service" && ref.APIVersion == "v1" {
			return true
		}
	}
	return false
}
