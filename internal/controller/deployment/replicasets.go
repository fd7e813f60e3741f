package deployment

import (
	"cmp"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/utils/ptr"
)

// byCreation orders ReplicaSets oldest first, by name on equal timestamps
// (upstream's ReplicaSetsByCreationTimestamp).
func byCreation(a, b *appsv1.ReplicaSet) int {
	if a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return cmp.Compare(a.Name, b.Name)
	}
	if a.CreationTimestamp.Before(&b.CreationTimestamp) {
		return -1
	}
	return 1
}

// bySizeOlder orders larger ReplicaSets first, older first among equals:
// the order of a proportional scale-down.
func bySizeOlder(a, b *appsv1.ReplicaSet) int {
	if c := cmp.Compare(rsReplicas(b), rsReplicas(a)); c != 0 {
		return c
	}
	return byCreation(a, b)
}

// bySizeNewer orders larger ReplicaSets first, newer first among equals:
// the order of a proportional scale-up.
func bySizeNewer(a, b *appsv1.ReplicaSet) int {
	if c := cmp.Compare(rsReplicas(b), rsReplicas(a)); c != 0 {
		return c
	}
	return byCreation(b, a)
}

// byRevision orders by revision annotation, then by creation.
func byRevision(a, b *appsv1.ReplicaSet) int {
	ra, _ := revision(a.Annotations)
	rb, _ := revision(b.Annotations)
	if c := cmp.Compare(ra, rb); c != 0 {
		return c
	}
	return byCreation(a, b)
}

// activeReplicaSets keeps the non-nil ReplicaSets with spec.replicas > 0.
func activeReplicaSets(rss []*appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	var out []*appsv1.ReplicaSet
	for _, rs := range rss {
		if rs != nil && rsReplicas(rs) > 0 {
			out = append(out, rs)
		}
	}
	return out
}

// sum adds f over the non-nil ReplicaSets.
func sum(rss []*appsv1.ReplicaSet, f func(*appsv1.ReplicaSet) int32) int32 {
	total := int32(0)
	for _, rs := range rss {
		if rs != nil {
			total += f(rs)
		}
	}
	return total
}

func specReplicaSum(rss []*appsv1.ReplicaSet) int32 { return sum(rss, rsReplicas) }

func statusReplicaSum(rss []*appsv1.ReplicaSet) int32 {
	return sum(rss, func(rs *appsv1.ReplicaSet) int32 { return rs.Status.Replicas })
}

func readyReplicaSum(rss []*appsv1.ReplicaSet) int32 {
	return sum(rss, func(rs *appsv1.ReplicaSet) int32 { return rs.Status.ReadyReplicas })
}

func availableReplicaSum(rss []*appsv1.ReplicaSet) int32 {
	return sum(rss, func(rs *appsv1.ReplicaSet) int32 { return rs.Status.AvailableReplicas })
}

// terminatingReplicaSum adds status.terminatingReplicas; like upstream it is
// nil as soon as one ReplicaSet does not report the field (a ReplicaSet
// controller without the DeploymentReplicaSetTerminatingReplicas gate).
func terminatingReplicaSum(rss []*appsv1.ReplicaSet) *int32 {
	total := int32(0)
	for _, rs := range rss {
		if rs == nil {
			continue
		}
		if rs.Status.TerminatingReplicas == nil {
			return nil
		}
		total += *rs.Status.TerminatingReplicas
	}
	return ptr.To(total)
}

// findNewReplicaSet is the oldest ReplicaSet whose template equals d's,
// ignoring the hash label; nil when the current template has none yet.
func findNewReplicaSet(d *appsv1.Deployment, rss []*appsv1.ReplicaSet) *appsv1.ReplicaSet {
	sorted := slices.SortedFunc(slices.Values(rss), byCreation)
	for _, rs := range sorted {
		if equalIgnoreHash(&rs.Spec.Template, &d.Spec.Template) {
			return rs
		}
	}
	return nil
}

// findOldReplicaSets is every ReplicaSet of d but the new one.
func findOldReplicaSets(d *appsv1.Deployment, rss []*appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	newRS := findNewReplicaSet(d, rss)
	var old []*appsv1.ReplicaSet
	for _, rs := range rss {
		if newRS == nil || rs.UID != newRS.UID {
			old = append(old, rs)
		}
	}
	return old
}

// findActiveOrLatest returns the only active ReplicaSet, or the newest one
// when none is active (the new ReplicaSet first); nil when several are
// active, which calls for proportional scaling.
func findActiveOrLatest(newRS *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet) *appsv1.ReplicaSet {
	if newRS == nil && len(oldRSs) == 0 {
		return nil
	}
	newestFirst := slices.SortedFunc(slices.Values(oldRSs), func(a, b *appsv1.ReplicaSet) int { return byCreation(b, a) })
	active := activeReplicaSets(append(newestFirst, newRS))
	switch len(active) {
	case 0:
		if newRS != nil {
			return newRS
		}
		return newestFirst[0]
	case 1:
		return active[0]
	default:
		return nil
	}
}

// isSaturated reports whether rs runs the whole deployment: sized and
// annotated for spec.replicas, all of them available.
func isSaturated(d *appsv1.Deployment, rs *appsv1.ReplicaSet) bool {
	if rs == nil {
		return false
	}
	desired, ok := intAnnotation(rs, DesiredReplicasAnnotation)
	return ok && rsReplicas(rs) == desiredReplicas(d) && desired == desiredReplicas(d) &&
		rs.Status.AvailableReplicas == desiredReplicas(d)
}
