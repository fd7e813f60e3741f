package garbagecollector

import (
	"cmp"
	"slices"
)

// processDelete applies a delete event. A real one removes the node and
// enqueues its dependents (now possibly garbage) and the owners waiting in
// foreground for it. A virtual one (a worker found the object gone) only
// removes the node if the identity it verified is the one every dependent
// uses; otherwise only the dependents that used that identity are
// rechecked, as upstream.
func (gc *GarbageCollector) processDelete(n *node, ev *event) {
	if ev.virtual && !gc.applyVirtualDelete(n, ev.identity()) {
		return
	}
	gc.graph.delete(n.identity().UID)
	gc.removeDependentFromOwners(n, n.getOwners())
	deps := n.getDependents()
	if len(deps) > 0 {
		gc.absent.add(ev.identity())
	}
	for _, dep := range deps {
		gc.attemptToDelete.Add(dep)
	}
	for _, ref := range n.getOwners() {
		if owner, ok := gc.graph.read(ref.UID); ok && owner.isDeletingDependents() {
			// Let the owner check whether it still has blocking dependents.
			gc.attemptToDelete.Add(owner)
		}
	}
}

// applyVirtualDelete handles a virtual delete of deleted against node n
// and reports whether n is to be removed.
func (gc *GarbageCollector) applyVirtualDelete(n *node, deleted identity) bool {
	matching, mismatched := partitionDependents(n.getDependents(), deleted)
	if n.isObserved() {
		if n.identity() == deleted {
			return true
		}
		// The real object lives under other coordinates: only the
		// dependents that named the absent ones are garbage candidates.
		gc.enqueueAbsent(deleted, matching)
		return false
	}
	if len(mismatched) == 0 {
		return true
	}
	gc.enqueueAbsent(deleted, matching)
	if n.identity() == deleted {
		// Try the next identity the dependents give this UID.
		if alt, ok := alternateOwnerIdentity(mismatched, deleted); ok {
			n.setIdentity(alt)
			gc.attemptToDelete.AddRateLimited(n)
		}
	}
	return false
}

func (gc *GarbageCollector) enqueueAbsent(deleted identity, deps []*node) {
	if len(deps) == 0 {
		return
	}
	gc.absent.add(deleted)
	for _, dep := range deps {
		gc.attemptToDelete.Add(dep)
	}
}

// partitionDependents splits deps into those whose reference to owner's
// UID matches all of owner's coordinates and those that do not (a
// dependent with several such references may be in both).
func partitionDependents(deps []*node, owner identity) (matching, mismatched []*node) {
	for _, dep := range deps {
		did := dep.identity()
		match, mismatch := false, false
		if owner.Namespace != "" && owner.Namespace != did.Namespace {
			mismatch = true
		} else {
			for _, ref := range dep.getOwners() {
				if ref.UID != owner.UID {
					continue
				}
				if matchesCoordinates(ref, owner) {
					match = true
				} else {
					mismatch = true
				}
			}
		}
		if match {
			matching = append(matching, dep)
		}
		if mismatch {
			mismatched = append(mismatched, dep)
		}
	}
	return matching, mismatched
}

// alternateOwnerIdentity is the next identity (in a fixed order) that deps
// give absent's UID, wrapping around to the first.
func alternateOwnerIdentity(deps []*node, absent identity) (identity, bool) {
	var alts []identity
	for _, dep := range deps {
		ns := dep.identity().Namespace
		for _, ref := range dep.getOwners() {
			if ref.UID != absent.UID {
				continue
			}
			id := ownerIdentity(ref, ns)
			if absent.Namespace == "" && id.APIVersion == absent.APIVersion && id.Kind == absent.Kind {
				id.Namespace = "" // that kind is known to be cluster-scoped
			}
			if id != absent && !slices.Contains(alts, id) {
				alts = append(alts, id)
			}
		}
	}
	if len(alts) == 0 {
		return identity{}, false
	}
	slices.SortFunc(alts, compareIdentity)
	for _, id := range alts {
		if compareIdentity(absent, id) < 0 {
			return id, true
		}
	}
	return alts[0], true
}

// compareIdentity orders by kind, apiVersion, namespace, name, uid.
func compareIdentity(a, b identity) int {
	return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.APIVersion, b.APIVersion),
		cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name), cmp.Compare(a.UID, b.UID))
}
