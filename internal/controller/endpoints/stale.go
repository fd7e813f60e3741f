package endpoints

import (
	"sync"

	corev1 "k8s.io/api/core/v1"
)

// staleTracker remembers, per Service key, the resourceVersion of the
// Endpoints the controller last replaced. Finding that version in the
// informer cache means the cache has not caught up with the write: acting
// on it could undo the write (upstream issues 126578, 127370).
type staleTracker struct {
	mu       sync.Mutex
	versions map[string]string // key → replaced resourceVersion; mu guards
}

func newStaleTracker() *staleTracker {
	return &staleTracker{versions: map[string]string{}}
}

func (s *staleTracker) replaced(key, resourceVersion string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.versions[key] = resourceVersion
}

func (s *staleTracker) isStale(key string, ep *corev1.Endpoints) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rv, ok := s.versions[key]
	return ok && rv == ep.ResourceVersion
}

func (s *staleTracker) forget(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.versions, key)
}
