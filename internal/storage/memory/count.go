package memory

import (
	"strings"
	"sync"
)

// ListResult.Remaining must be exact, and walking the rest of a prefix to
// count it would make every page of a paginated list cost the whole list.
// Two facts let List count without walking:
//
//   - counts: the number of live keys under every prefix that ends in '/'
//     (and ""), kept up to date by commit. A prefix ending in '/' that
//     starts a key is always one of the key's ancestors "/", "/a/",
//     "/a/b/", so these counts answer every first page read now.
//   - pageCounts: for a page cut short by Limit, how many keys follow it at
//     its revision. History at a revision never changes, so the next page
//     (StartKey = last key + "\x00" at the same revision, the convention
//     kube-apiserver also uses) finds its count there.
//
// Other lists (a past revision without a previous page, a prefix not ending
// in '/', another StartKey) walk the rest of the prefix, as etcd does.

// maxPageCounts bounds pageCounts: one entry per paginated list in
// progress, far more than evictd serves at once. When full it is emptied;
// the next page of each list in progress then walks once and refills it.
const maxPageCounts = 1024

// pageKey names the keys under prefix from start on, at rev.
type pageKey struct {
	prefix string
	rev    int64
	start  string
}

// pageCounts remembers how many keys follow the pages cut short by Limit.
// It has its own lock because List fills it under s.mu's read lock.
type pageCounts struct {
	mu sync.Mutex
	n  map[pageKey]int64
}

func (c *pageCounts) get(k pageKey) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.n[k]
	return n, ok
}

func (c *pageCounts) put(k pageKey, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil || len(c.n) >= maxPageCounts {
		c.n = make(map[pageKey]int64)
	}
	c.n[k] = n
}

// count adds delta to the live-key counts of key's ancestors. The caller
// must hold s.mu for writing.
func (s *Store) count(key string, delta int64) {
	for i := 0; i <= len(key); i++ {
		if i > 0 && key[i-1] != '/' {
			continue
		}
		p := key[:i]
		switch n := s.counts[p] + delta; {
		case n == 0:
			delete(s.counts, p) // churn must not grow the map
		case n == delta:
			s.counts[strings.Clone(p)] = n // do not pin the whole key
		default:
			s.counts[p] = n
		}
	}
}

// known returns how many keys under prefix from start on exist at rev, if
// that is known without walking. The caller must hold s.mu.
func (s *Store) known(prefix string, rev int64, start string) (int64, bool) {
	if start == prefix && rev == s.rev && (prefix == "" || strings.HasSuffix(prefix, "/")) {
		return s.counts[prefix], true
	}
	return s.pages.get(pageKey{prefix: prefix, rev: rev, start: start})
}
