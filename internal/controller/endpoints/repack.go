package endpoints

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
)

// addressKey identifies an address across subsets: the same IP from two
// pods (host-network pods) stays two addresses.
type addressKey struct {
	ip  string
	uid types.UID
}

// repack regroups single-address subsets into the canonical form: one
// subset per distinct set of addresses, carrying every port those
// addresses share. An address listed both ready and not ready for a port
// is not ready. The result is sorted, so equal inputs give equal outputs.
func repack(subsets []corev1.EndpointSubset) []corev1.EndpointSubset {
	addrs := map[addressKey]corev1.EndpointAddress{}
	byPort := map[corev1.EndpointPort]map[addressKey]bool{} // port → address → ready
	note := func(addr corev1.EndpointAddress, port corev1.EndpointPort, ready bool) {
		key := keyOf(addr)
		if _, ok := addrs[key]; !ok {
			addrs[key] = addr
		}
		if byPort[port] == nil {
			byPort[port] = map[addressKey]bool{}
		}
		if wasReady, seen := byPort[port][key]; !seen || wasReady {
			byPort[port][key] = ready
		}
	}
	for _, s := range subsets {
		ports := s.Ports
		if len(ports) == 0 {
			ports = []corev1.EndpointPort{{}} // a headless Service without ports
		}
		for _, port := range ports {
			for _, a := range s.Addresses {
				note(a, port, true)
			}
			for _, a := range s.NotReadyAddresses {
				note(a, port, false)
			}
		}
	}
	return group(addrs, byPort)
}

// group makes one subset per identical address→ready map.
func group(addrs map[addressKey]corev1.EndpointAddress, byPort map[corev1.EndpointPort]map[addressKey]bool) []corev1.EndpointSubset {
	bySet := map[string]*corev1.EndpointSubset{}
	for port, set := range byPort {
		id := setID(set)
		s, ok := bySet[id]
		if !ok {
			s = &corev1.EndpointSubset{}
			for key, ready := range set {
				if ready {
					s.Addresses = append(s.Addresses, addrs[key])
				} else {
					s.NotReadyAddresses = append(s.NotReadyAddresses, addrs[key])
				}
			}
			bySet[id] = s
		}
		if port != (corev1.EndpointPort{}) {
			s.Ports = append(s.Ports, port)
		}
	}
	out := make([]corev1.EndpointSubset, 0, len(bySet))
	for _, s := range bySet {
		slices.SortFunc(s.Addresses, compareAddress)
		slices.SortFunc(s.NotReadyAddresses, compareAddress)
		slices.SortFunc(s.Ports, comparePort)
		out = append(out, *s)
	}
	// Upstream orders subsets and ports by a hash of their contents; any
	// stable order serves the no-op check, and this one reads better.
	slices.SortFunc(out, func(a, b corev1.EndpointSubset) int { return strings.Compare(subsetID(a), subsetID(b)) })
	return out
}

func keyOf(a corev1.EndpointAddress) addressKey {
	key := addressKey{ip: a.IP}
	if a.TargetRef != nil {
		key.uid = a.TargetRef.UID
	}
	return key
}

func setID(set map[addressKey]bool) string {
	parts := make([]string, 0, len(set))
	for key, ready := range set {
		parts = append(parts, fmt.Sprintf("%s/%s/%t", key.ip, key.uid, ready))
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

func subsetID(s corev1.EndpointSubset) string {
	var b strings.Builder
	for _, p := range s.Ports {
		fmt.Fprintf(&b, "%s/%d/%s;", p.Name, p.Port, p.Protocol)
	}
	for _, a := range append(append([]corev1.EndpointAddress{}, s.Addresses...), s.NotReadyAddresses...) {
		fmt.Fprintf(&b, "%s;", a.IP)
	}
	return b.String()
}

func compareAddress(a, b corev1.EndpointAddress) int {
	ka, kb := keyOf(a), keyOf(b)
	return cmp.Or(strings.Compare(ka.ip, kb.ip), strings.Compare(string(ka.uid), string(kb.uid)))
}

func comparePort(a, b corev1.EndpointPort) int {
	return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.Port, b.Port), strings.Compare(string(a.Protocol), string(b.Protocol)))
}

// subsetsEqual compares subsets ignoring the targetRefs' resourceVersion,
// so that pod updates that do not touch the endpoint cause no write.
func subsetsEqual(a, b []corev1.EndpointSubset) bool {
	return equality.Semantic.DeepEqual(withoutRefVersions(a), withoutRefVersions(b))
}

func withoutRefVersions(subsets []corev1.EndpointSubset) []corev1.EndpointSubset {
	out := make([]corev1.EndpointSubset, len(subsets))
	for i := range subsets {
		s := subsets[i].DeepCopy()
		for _, list := range [][]corev1.EndpointAddress{s.Addresses, s.NotReadyAddresses} {
			for j := range list {
				if list[j].TargetRef != nil {
					list[j].TargetRef.ResourceVersion = ""
				}
			}
		}
		out[i] = *s
	}
	return out
}
