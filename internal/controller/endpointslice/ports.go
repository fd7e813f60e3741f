package endpointslice

import (
	"cmp"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// reconcilePorts plans the slices of one port set, as upstream's
// reconcileByPortMapping:
//  1. in each existing slice keep the endpoints still desired (updated to
//     their desired form) and drop the others; a slice left empty is
//     deleted, a changed one updated, the rest unchanged;
//  2. put new endpoints into the updated slices, fullest first;
//  3. put what remains into the unchanged slice that would come closest to
//     full (only when it fits in one), else into new slices.
//
// Upstream picks endpoints from a set in random order; here they are taken
// in endpointKey order, so equal inputs give equal slices.
func (c *Controller) reconcilePorts(svc *corev1.Service, existing []*discoveryv1.EndpointSlice,
	group *portGroup, at discoveryv1.AddressType, p *plan) {
	desired := maps.Clone(group.endpoints)
	var updated, unchanged []*discoveryv1.EndpointSlice
	for _, s := range slices.SortedFunc(slices.Values(existing), byName) {
		kept, changed := keepDesired(s, desired)
		labels, labelsChanged := sliceLabels(s, svc)
		switch {
		case changed && len(kept) == 0:
			p.delete = append(p.delete, s)
		case changed || labelsChanged:
			s = s.DeepCopy()
			s.Endpoints, s.Labels = kept, labels
			updated = append(updated, s)
		default:
			unchanged = append(unchanged, s)
		}
	}
	remaining := slices.Sorted(maps.Keys(desired))
	take := func(s *discoveryv1.EndpointSlice) {
		for len(remaining) > 0 && len(s.Endpoints) < c.maxPerSlice {
			s.Endpoints = append(s.Endpoints, desired[remaining[0]])
			remaining = remaining[1:]
		}
	}
	slices.SortStableFunc(updated, func(a, b *discoveryv1.EndpointSlice) int { return cmp.Compare(len(b.Endpoints), len(a.Endpoints)) })
	for _, s := range updated {
		take(s)
	}
	for len(remaining) > 0 {
		var fill *discoveryv1.EndpointSlice
		if len(remaining) < c.maxPerSlice {
			if i := closestToFull(unchanged, len(remaining), c.maxPerSlice); i >= 0 {
				fill = unchanged[i].DeepCopy()
				unchanged = slices.Delete(unchanged, i, i+1)
			}
		}
		if fill == nil {
			fill = newSlice(svc, group.ports, at)
		}
		take(fill)
		if fill.Name == "" {
			p.create = append(p.create, fill)
		} else {
			updated = append(updated, fill)
		}
	}
	for _, s := range updated {
		p.update = append(p.update, s)
		p.previous[s.Name] = s.ResourceVersion
	}
}

// keepDesired returns the endpoints of s still desired, in their desired
// form, removing them from desired, and whether anything changed.
func keepDesired(s *discoveryv1.EndpointSlice, desired map[string]discoveryv1.Endpoint) ([]discoveryv1.Endpoint, bool) {
	kept := []discoveryv1.Endpoint{}
	changed := false
	for i := range s.Endpoints {
		key := endpointKey(&s.Endpoints[i])
		want, ok := desired[key]
		if !ok {
			continue
		}
		if endpointChanged(&want, &s.Endpoints[i]) {
			changed = true
		}
		kept = append(kept, want)
		delete(desired, key)
	}
	return kept, changed || len(kept) != len(s.Endpoints)
}

// closestToFull is the index of the slice that n more endpoints would
// bring closest to max without passing it, or -1.
func closestToFull(candidates []*discoveryv1.EndpointSlice, n, max int) int {
	best, bestGap := -1, max
	for i, s := range candidates {
		gap := max - (n + len(s.Endpoints))
		if gap >= 0 && gap < bestGap {
			best, bestGap = i, gap
		}
	}
	return best
}

func byName(a, b *discoveryv1.EndpointSlice) int { return cmp.Compare(a.Name, b.Name) }
