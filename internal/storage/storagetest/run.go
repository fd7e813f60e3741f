// Package storagetest is the acceptance suite every storage backend passes:
// the memory store and the etcd backend run the same tests, so the API
// server can rely on one behaviour. It uses storage.Interface only.
//
// Conventions the suite relies on, and callers of storage too:
//   - List and Watch prefixes end in '/': listing "/a/b/" must not return
//     "/a/bc/x". Backends match plain string prefixes.
//   - A paginated List continues with StartKey = last key + "\x00" and
//     Revision = the first page's revision.
//   - A failed write does not consume a revision.
package storagetest

import (
	"errors"
	"testing"
	"time"

	"github.com/evictd/evictd/internal/storage"
)

// waitTimeout bounds every wait for an event. Passing tests never reach it;
// it only turns a hung watch into a failure instead of a stuck test binary.
const waitTimeout = 10 * time.Second

// Run runs the suite against the backend made by newStore. newStore is
// called once per subtest and must return an empty store of its own (the
// subtests compact, close and count revisions); Run closes it when the
// subtest ends. Subtests run in parallel.
//
// The progress test waits on the real clock for a Progress event, so
// newStore should configure a short progress interval (tens of
// milliseconds) to keep the suite fast.
func Run(t *testing.T, newStore func(t *testing.T) storage.Interface) {
	tests := []struct {
		name string
		run  func(t *testing.T, s storage.Interface)
	}{
		{"Create", testCreate},
		{"Update", testUpdate},
		{"Delete", testDelete},
		{"ValuesAreCopied", testValuesAreCopied},
		{"ListOrderAndPrefix", testListOrderAndPrefix},
		{"ListPagination", testListPagination},
		{"ListPastRevision", testListPastRevision},
		{"ListCompactedAndFuture", testListCompactedAndFuture},
		{"WatchFromNow", testWatchFromNow},
		{"WatchFromPastRevision", testWatchFromPastRevision},
		{"WatchCompactedAndFuture", testWatchCompactedAndFuture},
		{"WatchDelete", testWatchDelete},
		{"WatchPrefix", testWatchPrefix},
		{"WatchConcurrentWriters", testWatchConcurrentWriters},
		{"WatchProgress", testWatchProgress},
		{"WatchStop", testWatchStop},
		{"ConcurrentCAS", testConcurrentCAS},
		{"Close", testClose},
		{"Model", testModel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			t.Cleanup(func() {
				// testClose closes the store itself; a second Close may
				// succeed or say ErrClosed.
				if err := s.Close(); err != nil && !errors.Is(err, storage.ErrClosed) {
					t.Errorf("Close: %v", err)
				}
			})
			tt.run(t, s)
		})
	}
}
