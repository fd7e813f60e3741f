package garbagecollector

import (
	"fmt"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// identity names an object in the graph: an owner reference's coordinates
// plus the namespace. A virtual node's identity is only what a dependent
// claimed (upstream's objectReference), so it may be corrected later.
type identity struct {
	APIVersion string
	Kind       string
	Namespace  string
	Name       string
	UID        types.UID
}

func (id identity) String() string {
	return fmt.Sprintf("[%s/%s, namespace: %s, name: %s, uid: %s]", id.APIVersion, id.Kind, id.Namespace, id.Name, id.UID)
}

// ownerIdentity is the identity a dependent in namespace claims for ref.
func ownerIdentity(ref metav1.OwnerReference, namespace string) identity {
	return identity{APIVersion: ref.APIVersion, Kind: ref.Kind, Namespace: namespace, Name: ref.Name, UID: ref.UID}
}

// matchesCoordinates reports whether ref names id (namespace aside).
func matchesCoordinates(ref metav1.OwnerReference, id identity) bool {
	return ref.UID == id.UID && ref.Name == id.Name && ref.Kind == id.Kind && ref.APIVersion == id.APIVersion
}

// node is one object of the dependency graph. Only the graph builder
// goroutine changes the graph's shape; workers read nodes concurrently, so
// every field but the pointer identity is behind mu.
type node struct {
	mu sync.RWMutex
	id identity
	// virtual: known only because a dependent names it as owner; no
	// informer has shown it yet.
	virtual bool
	// beingDeleted: the object has a deletionTimestamp.
	beingDeleted bool
	// deletingDependents: beingDeleted with the foregroundDeletion finalizer.
	deletingDependents bool
	owners             []metav1.OwnerReference
	dependents         map[*node]struct{}
}

func newNode(id identity, virtual bool) *node {
	return &node{id: id, virtual: virtual, dependents: map[*node]struct{}{}}
}

func (n *node) identity() identity {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.id
}

func (n *node) setIdentity(id identity) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.id = id
}

func (n *node) isObserved() bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return !n.virtual
}

func (n *node) markObserved() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.virtual = false
}

func (n *node) isBeingDeleted() bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.beingDeleted
}

func (n *node) markBeingDeleted() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.beingDeleted = true
}

func (n *node) isDeletingDependents() bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.deletingDependents
}

// markDeletingDependents also marks the node being deleted: the
// foreground finalizer only counts on an object with a deletionTimestamp.
func (n *node) markDeletingDependents() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.beingDeleted = true
	n.deletingDependents = true
}

func (n *node) getOwners() []metav1.OwnerReference {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.owners
}

func (n *node) setOwners(owners []metav1.OwnerReference) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.owners = owners
}

func (n *node) addDependent(dep *node) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.dependents[dep] = struct{}{}
}

func (n *node) deleteDependent(dep *node) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.dependents, dep)
}

func (n *node) dependentsLength() int {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return len(n.dependents)
}

func (n *node) getDependents() []*node {
	n.mu.RLock()
	defer n.mu.RUnlock()
	deps := make([]*node, 0, len(n.dependents))
	for dep := range n.dependents {
		deps = append(deps, dep)
	}
	return deps
}

// blockingDependents are the dependents whose reference to n has
// blockOwnerDeletion=true: a foreground deletion of n waits for them.
func (n *node) blockingDependents() []*node {
	uid := n.identity().UID
	var blocking []*node
	for _, dep := range n.getDependents() {
		for _, ref := range dep.getOwners() {
			if ref.UID == uid && ref.BlockOwnerDeletion != nil && *ref.BlockOwnerDeletion {
				blocking = append(blocking, dep)
			}
		}
	}
	return blocking
}

// graph maps UIDs to nodes (upstream's uidToNode). The graph builder is
// its only writer.
type graph struct {
	mu    sync.RWMutex
	nodes map[types.UID]*node
}

func newGraph() *graph { return &graph{nodes: map[types.UID]*node{}} }

func (g *graph) read(uid types.UID) (*node, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	n, ok := g.nodes[uid]
	return n, ok
}

func (g *graph) write(n *node) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.nodes[n.identity().UID] = n
}

func (g *graph) delete(uid types.UID) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.nodes, uid)
}

func (g *graph) len() int {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return len(g.nodes)
}
