package garbagecollector

import "k8s.io/utils/lru"

// absentOwnerCacheSize is upstream's: owners confirmed missing are
// remembered so that the many dependents of one deleted owner cost one
// live GET, not one each. LRU, since a UID never comes back.
const absentOwnerCacheSize = 500

// referenceCache is a set of identities known not to exist.
type referenceCache struct{ cache *lru.Cache }

func newReferenceCache(size int) *referenceCache {
	return &referenceCache{cache: lru.New(size)}
}

func (c *referenceCache) add(id identity) { c.cache.Add(id, nil) }

func (c *referenceCache) has(id identity) bool {
	_, ok := c.cache.Get(id)
	return ok
}
