package endpointslice

import (
	"sync"

	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
)

// tracker remembers the controller's own slice writes per Service, to tell
// its echoes from others' changes and to notice a cache that has not seen
// them yet (acting on such a cache would create duplicate slices).
// Upstream compares generations; resourceVersions are opaque, so this
// remembers the versions it replaced instead of ordering them.
type tracker struct {
	mu       sync.Mutex
	services map[string]map[types.UID]*written // service key → slice; mu guards
}

type written struct {
	name     string
	version  string           // the resourceVersion the write returned
	replaced sets.Set[string] // versions it made obsolete
	deleted  bool             // the controller deleted the slice
}

func newTracker() *tracker {
	return &tracker{services: map[string]map[types.UID]*written{}}
}

func serviceKey(slice *discoveryv1.EndpointSlice) string {
	return slice.Namespace + "/" + slice.Labels[discoveryv1.LabelServiceName]
}

// wrote records a create or update whose answer is slice; previous is the
// version it replaced ("" for a create).
func (t *tracker) wrote(slice *discoveryv1.EndpointSlice, previous string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	key := serviceKey(slice)
	if t.services[key] == nil {
		t.services[key] = map[types.UID]*written{}
	}
	w := t.services[key][slice.UID]
	if w == nil {
		w = &written{name: slice.Name, replaced: sets.New[string]()}
		t.services[key][slice.UID] = w
	}
	if previous != "" {
		w.replaced.Insert(previous)
	}
	if w.version != "" && w.version != slice.ResourceVersion {
		w.replaced.Insert(w.version)
	}
	w.version, w.deleted = slice.ResourceVersion, false
}

// deleting records that the controller deleted slice.
func (t *tracker) deleting(slice *discoveryv1.EndpointSlice) {
	t.mu.Lock()
	defer t.mu.Unlock()
	key := serviceKey(slice)
	if t.services[key] == nil {
		t.services[key] = map[types.UID]*written{}
	}
	t.services[key][slice.UID] = &written{name: slice.Name, deleted: true, replaced: sets.New[string]()}
}

// shouldSync is false for an event carrying a version the controller
// wrote or replaced itself.
func (t *tracker) shouldSync(slice *discoveryv1.EndpointSlice) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.services[serviceKey(slice)][slice.UID]
	return w == nil || (w.version != slice.ResourceVersion && !w.replaced.Has(slice.ResourceVersion))
}

// handleDeletion forgets a deleted slice and reports whether someone else
// deleted it.
func (t *tracker) handleDeletion(slice *discoveryv1.EndpointSlice) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	key := serviceKey(slice)
	w := t.services[key][slice.UID]
	delete(t.services[key], slice.UID)
	return w == nil || !w.deleted
}

// stale reports whether cached, the Service's slices in the cache, miss a
// write of the controller: a slice it wrote absent or at a replaced
// version, or one it deleted still present.
func (t *tracker) stale(key string, cached []*discoveryv1.EndpointSlice) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	byUID := make(map[types.UID]*discoveryv1.EndpointSlice, len(cached))
	for _, s := range cached {
		byUID[s.UID] = s
	}
	for uid, w := range t.services[key] {
		s, present := byUID[uid]
		switch {
		case w.deleted && present:
			return true
		case !w.deleted && (!present || w.replaced.Has(s.ResourceVersion)):
			return true
		}
	}
	return false
}

// forget drops a deleted Service's records.
func (t *tracker) forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.services, key)
}
