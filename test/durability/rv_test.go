package durability

import (
	"strconv"
	"sync"
	"testing"
)

// rv reads a resourceVersion as the etcd revision it is. Clients must
// treat resourceVersions as opaque; this test knows they are revisions
// and compares them, as issue 9 asks ("resourceVersions keep increasing").
func rv(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		t.Errorf("resourceVersion %q is not a revision: %v", s, err)
	}
	return n
}

// rvMax is the highest resourceVersion any client of the test has seen.
type rvMax struct {
	mu  sync.Mutex
	max int64
}

// see records a resourceVersion a client received; an unparsable one is
// ignored here (rv reports it where the test reads it).
func (m *rvMax) see(s string) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.max = max(m.max, n)
}

func (m *rvMax) get() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.max
}
