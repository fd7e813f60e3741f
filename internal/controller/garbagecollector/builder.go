package garbagecollector

import (
	"reflect"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

type eventType int

const (
	addEvent eventType = iota
	updateEvent
	deleteEvent
)

// event is one change for the graph builder. A virtual event comes from a
// worker that found an object gone, not from an informer.
type event struct {
	virtual bool
	typ     eventType
	obj     metav1.Object
	old     metav1.Object
	gvk     schema.GroupVersionKind
}

func (e *event) identity() identity {
	return identity{
		APIVersion: e.gvk.GroupVersion().String(), Kind: e.gvk.Kind,
		Namespace: e.obj.GetNamespace(), Name: e.obj.GetName(), UID: e.obj.GetUID(),
	}
}

// processGraphChanges applies one event to the graph and enqueues the
// nodes it may concern. It runs on one goroutine only.
func (gc *GarbageCollector) processGraphChanges() bool {
	ev, quit := gc.graphChanges.Get()
	if quit {
		return false
	}
	defer gc.graphChanges.Done(ev)
	existing, found := gc.graph.read(ev.obj.GetUID())
	if found && !ev.virtual && !existing.isObserved() {
		gc.observeVirtual(existing, ev.identity())
	}
	switch {
	case ev.typ != deleteEvent && !found:
		n := newNode(ev.identity(), false)
		n.owners = ev.obj.GetOwnerReferences()
		if beingDeleted(ev.obj) {
			n.beingDeleted = true
			n.deletingDependents = hasFinalizer(ev.obj, metav1.FinalizerDeleteDependents)
		}
		gc.graph.write(n)
		gc.addDependentToOwners(n, n.owners)
		// The informer may fold a create and a delete into one event.
		gc.processTransitions(ev.old, ev.obj, n)
	case ev.typ != deleteEvent:
		gc.updateNode(existing, ev)
	case found:
		gc.processDelete(existing, ev)
	}
	return true
}

// observeVirtual turns a virtual node into an observed one, taking the
// identity the informer reports; dependents that named it otherwise are
// re-checked (a bad child seen before its good parent).
func (gc *GarbageCollector) observeVirtual(n *node, observed identity) {
	if n.identity() != observed {
		_, mismatched := partitionDependents(n.getDependents(), observed)
		for _, dep := range mismatched {
			if observed.Namespace != "" && dep.identity().Namespace != observed.Namespace {
				gc.reportInvalidNamespaceOwnerRef(dep, observed.UID)
			}
			gc.attemptToDelete.Add(dep)
		}
		gc.log.Debug("replacing virtual item with observed item", "virtual", n.identity(), "observed", observed)
		n.setIdentity(observed)
	}
	n.markObserved()
}

// updateNode applies an add or update of a known object.
func (gc *GarbageCollector) updateNode(n *node, ev *event) {
	if !ev.virtual {
		id := n.identity()
		if id.APIVersion != ev.gvk.GroupVersion().String() || id.Kind != ev.gvk.Kind {
			id.APIVersion, id.Kind = ev.gvk.GroupVersion().String(), ev.gvk.Kind
			n.setIdentity(id)
		}
	}
	added, removed, changed := referencesDiffs(n.getOwners(), ev.obj.GetOwnerReferences())
	if len(added) != 0 || len(removed) != 0 || len(changed) != 0 {
		// An owner waiting for its blocking dependents may be free now.
		gc.addUnblockedOwnersToDeleteQueue(removed, changed)
		n.setOwners(ev.obj.GetOwnerReferences())
		gc.addDependentToOwners(n, added)
		gc.removeDependentFromOwners(n, removed)
	}
	if beingDeleted(ev.obj) {
		n.markBeingDeleted()
	}
	gc.processTransitions(ev.old, ev.obj, n)
}

// processTransitions enqueues an owner whose deletion just started with
// the orphan or the foregroundDeletion finalizer.
func (gc *GarbageCollector) processTransitions(old, cur metav1.Object, n *node) {
	if deletionStartsWithFinalizer(old, cur, metav1.FinalizerOrphanDependents) {
		gc.attemptToOrphan.Add(n)
		return
	}
	if deletionStartsWithFinalizer(old, cur, metav1.FinalizerDeleteDependents) {
		n.markDeletingDependents()
		for _, dep := range n.getDependents() {
			gc.attemptToDelete.Add(dep)
		}
		gc.attemptToDelete.Add(n)
	}
}

// addDependentToOwners links n under each owner, creating a virtual node
// (to be verified by a worker) for an owner not seen yet.
func (gc *GarbageCollector) addDependentToOwners(n *node, owners []metav1.OwnerReference) {
	potentiallyInvalid := false
	nid := n.identity()
	for _, ref := range owners {
		owner, ok := gc.graph.read(ref.UID)
		if !ok {
			owner = newNode(ownerIdentity(ref, nid.Namespace), true)
			gc.graph.write(owner)
			owner.addDependent(n)
			gc.attemptToDelete.Add(owner)
			continue
		}
		owner.addDependent(n)
		if potentiallyInvalid {
			continue
		}
		oid := owner.identity()
		switch {
		case oid.Namespace != "" && oid.Namespace != nid.Namespace:
			// Only cluster-scoped owners may be named across namespaces.
			if owner.isObserved() {
				gc.reportInvalidNamespaceOwnerRef(n, ref.UID)
			}
			potentiallyInvalid = true
		case !matchesCoordinates(ref, oid):
			potentiallyInvalid = true
		case oid.Namespace == "" && nid.Namespace != "" && !owner.isObserved():
			// A virtual cluster-scoped owner may really be a missing
			// namespaced one named by a cluster-scoped child.
			potentiallyInvalid = true
		}
	}
	if potentiallyInvalid {
		gc.attemptToDelete.Add(n)
	}
}

func (gc *GarbageCollector) removeDependentFromOwners(n *node, owners []metav1.OwnerReference) {
	for _, ref := range owners {
		if owner, ok := gc.graph.read(ref.UID); ok {
			owner.deleteDependent(n)
		}
	}
}

// addUnblockedOwnersToDeleteQueue enqueues the owners a dependent stopped
// blocking (reference removed or blockOwnerDeletion turned off).
func (gc *GarbageCollector) addUnblockedOwnersToDeleteQueue(removed []metav1.OwnerReference, changed [][2]metav1.OwnerReference) {
	unblocked := slices.DeleteFunc(slices.Clone(removed), func(r metav1.OwnerReference) bool { return !blocks(r) })
	for _, c := range changed {
		if blocks(c[0]) && !blocks(c[1]) {
			unblocked = append(unblocked, c[1])
		}
	}
	for _, ref := range unblocked {
		if owner, ok := gc.graph.read(ref.UID); ok {
			gc.attemptToDelete.Add(owner)
		}
	}
}

func (gc *GarbageCollector) reportInvalidNamespaceOwnerRef(n *node, ownerUID types.UID) {
	id := n.identity()
	for _, ref := range n.getOwners() {
		if ref.UID != ownerUID {
			continue
		}
		obj := &corev1.ObjectReference{Kind: id.Kind, APIVersion: id.APIVersion, Namespace: id.Namespace, Name: id.Name, UID: id.UID}
		gc.recorder.Eventf(obj, corev1.EventTypeWarning, "OwnerRefInvalidNamespace",
			"ownerRef %s does not exist in namespace %q", ownerIdentity(ref, id.Namespace), id.Namespace)
		return
	}
}

// referencesDiffs compares two ownerReference lists by UID.
func referencesDiffs(old, cur []metav1.OwnerReference) (added, removed []metav1.OwnerReference, changed [][2]metav1.OwnerReference) {
	byUID := map[types.UID]metav1.OwnerReference{}
	for _, r := range old {
		byUID[r.UID] = r
	}
	for _, r := range cur {
		o, ok := byUID[r.UID]
		switch {
		case !ok:
			added = append(added, r)
		case !reflect.DeepEqual(o, r):
			changed = append(changed, [2]metav1.OwnerReference{o, r})
		}
		delete(byUID, r.UID)
	}
	for _, r := range old {
		if _, ok := byUID[r.UID]; ok {
			removed = append(removed, r)
		}
	}
	return added, removed, changed
}

func blocks(ref metav1.OwnerReference) bool {
	return ref.BlockOwnerDeletion != nil && *ref.BlockOwnerDeletion
}

func beingDeleted(m metav1.Object) bool { return m.GetDeletionTimestamp() != nil }

func hasFinalizer(m metav1.Object, finalizer string) bool {
	return slices.Contains(m.GetFinalizers(), finalizer)
}

// deletionStartsWithFinalizer: cur is being deleted with finalizer and old
// (if any) was not.
func deletionStartsWithFinalizer(old, cur metav1.Object, finalizer string) bool {
	if !beingDeleted(cur) || !hasFinalizer(cur, finalizer) {
		return false
	}
	return old == nil || !beingDeleted(old) || !hasFinalizer(old, finalizer)
}
