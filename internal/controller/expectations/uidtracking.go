package expectations

import (
	"sync"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/clock"
)

// UIDTracking is Expectations whose deletions are tracked by the deleted
// objects' keys (upstream's UIDTrackingControllerExpectations; the
// ReplicaSet controller tracks pod keys "namespace/name"). A pod's deletion
// is then counted once whether the controller sees it first as an update
// that sets deletionTimestamp or as the final delete, or both.
//
// Creations are counted as in Expectations, through the embedded methods.
type UIDTracking struct {
	*Expectations

	// mu orders ExpectDeletions against DeletionObserved so that a set is
	// never lowered twice for one key.
	mu   sync.Mutex
	keys map[string]sets.Set[string]
}

// NewUIDTracking returns empty expectations whose records age on clk (the
// real clock if nil).
func NewUIDTracking(clk clock.PassiveClock) *UIDTracking {
	return &UIDTracking{Expectations: New(clk), keys: map[string]sets.Set[string]{}}
}

// GetUIDs returns the keys of the deletions of controller key not yet
// observed (nil if none were expected). The set is a copy.
func (u *UIDTracking) GetUIDs(key string) sets.Set[string] {
	u.mu.Lock()
	defer u.mu.Unlock()
	if s, ok := u.keys[key]; ok {
		return s.Clone()
	}
	return nil
}

// ExpectDeletions replaces controller key's record with the deletion of the
// objects deletedKeys (duplicates count once) and no creations. A previous
// set still pending is replaced, as upstream (which logs it as an error:
// the controller deleted before its last deletions were observed).
func (u *UIDTracking) ExpectDeletions(key string, deletedKeys []string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	expected := sets.New(deletedKeys...)
	u.keys[key] = expected
	u.Expectations.ExpectDeletions(key, expected.Len())
}

// DeletionObserved lowers controller key's expected deletions by one if
// deletedKey is one it expects, and forgets deletedKey, so a second
// observation of the same object changes nothing.
func (u *UIDTracking) DeletionObserved(key, deletedKey string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if s, ok := u.keys[key]; ok && s.Has(deletedKey) {
		u.Expectations.DeletionObserved(key)
		s.Delete(deletedKey)
	}
}

// DeleteExpectations drops controller key's counts and tracked keys.
func (u *UIDTracking) DeleteExpectations(key string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.Expectations.DeleteExpectations(key)
	delete(u.keys, key)
}
