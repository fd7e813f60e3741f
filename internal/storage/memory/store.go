// Package memory is the in-memory MVCC backend of storage.Interface, the
// embedded default of evictd.
//
// The layout follows kine's memory driver: every write appends one entry to
// a dense revision log and to its key's history, keys live in an ordered
// B-tree so that a prefix List seeks instead of scanning, and one RWMutex
// guards it all. Watchers read the shared log under the read lock and are
// woken by closing and replacing a broadcast channel, so a write never waits
// for a watcher.
//
// Revisions: a new store is at revision 1 and its first write gets revision
// 2, as in etcd. Revision 0 means "unset" throughout storage (List and Watch
// read it as "now"), so even an empty store answers with a revision a watch
// can start from.
//
// Values are copied on the way in and on the way out: the store owns its
// bytes and never hands them to a caller, so a caller may reuse or mutate any
// slice it passes or receives. Create and Update return the caller's own
// value slice in KeyValue.Value (it is not the stored copy), and a List
// copies all the values of its page into one allocation.
package memory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/btree"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/storage"
)

const (
	// DefaultHistoryWindow is how many revisions of history the store keeps
	// at least. A client whose watch broke resumes from its last
	// resourceVersion if fewer writes happened meanwhile, and a list page
	// can be continued at its revision for as long. 10000 writes are several
	// seconds of a busy simulated cluster (thousands of pods changing state),
	// long enough to reconnect, and with ~2 KB pods the history costs at most
	// ~40 MB (the store holds up to twice the window, see autoCompact).
	DefaultHistoryWindow = 10000

	// DefaultProgressInterval is how long a watch that asked for
	// ProgressNotify stays idle before it gets a Progress event. The API
	// server turns these into bookmarks; kube-apiserver sends one about
	// once a minute, so a second lets it pick any period it likes, while
	// costing one small event per idle watcher per second.
	DefaultProgressInterval = time.Second

	// btreeDegree is the B-tree's fan-out: nodes hold up to 2*32-1 keys, a
	// few cache lines of string headers. It is the degree google/btree's
	// own benchmarks use; lookups are then 3-4 node visits for 100k keys.
	btreeDegree = 32
)

// Options configures a Store. The zero value gives the defaults.
type Options struct {
	// HistoryWindow is the number of revisions of history kept for reads
	// at past revisions and watches that resume; 0 means
	// DefaultHistoryWindow, a negative value turns automatic compaction off
	// (history then grows until Compact is called).
	HistoryWindow int64
	// ProgressInterval is the idle time after which a ProgressNotify watch
	// gets a Progress event; 0 means DefaultProgressInterval.
	ProgressInterval time.Duration
	// Clock drives progress notifications; nil means the real clock. Tests
	// pass a fake clock to avoid waiting.
	Clock clock.Clock
}

// Store is the in-memory backend. Its zero value is not usable; call New.
type Store struct {
	clock            clock.Clock
	window           int64 // <= 0: no automatic compaction
	progressInterval time.Duration

	mu sync.RWMutex
	// rev is the current revision: the revision of the last write, or 1
	// for a store that has never been written.
	rev int64
	// compactRev is the oldest revision that can still be read or watched
	// from. The changes at and below it are forgotten, but the state at
	// compactRev itself is kept: each key keeps its last entry at or below
	// it, unless that entry is a deletion. It starts at 1, the empty store.
	compactRev int64
	// log holds the entry of every revision in (compactRev, rev], oldest
	// first: log[i].rev == compactRev+1+i.
	log []*entry
	// keys orders every key with at least one entry in its history,
	// including deleted keys whose deletion is still in the log.
	keys *btree.BTreeG[item]
	// counts holds the number of live keys under each prefix ending in
	// '/', and under "" (see count.go).
	counts map[string]int64
	// pages remembers the count after each page cut short by Limit; it
	// has its own lock.
	pages pageCounts
	// notify is closed and replaced by every write: it wakes watchers
	// waiting for new entries.
	notify chan struct{}
	// compacted is closed and replaced by every compaction: it wakes
	// watchers blocked on a full channel so they notice they fell behind.
	compacted chan struct{}
	closed    bool

	// done is closed by Close; watchers then end with ErrClosed.
	done chan struct{}
	// watchers counts running watch goroutines; Close waits for them.
	watchers sync.WaitGroup
}

var _ storage.Interface = (*Store)(nil)

// New returns an empty store at revision 1.
func New(opts Options) *Store {
	s := &Store{
		clock:            opts.Clock,
		window:           opts.HistoryWindow,
		progressInterval: opts.ProgressInterval,
		rev:              1,
		compactRev:       1,
		keys:             btree.NewG(btreeDegree, lessItem),
		counts:           make(map[string]int64),
		notify:           make(chan struct{}),
		compacted:        make(chan struct{}),
		done:             make(chan struct{}),
	}
	if s.clock == nil {
		s.clock = clock.RealClock{}
	}
	if s.window == 0 {
		s.window = DefaultHistoryWindow
	}
	if s.progressInterval <= 0 {
		s.progressInterval = DefaultProgressInterval
	}
	return s
}

// Revision returns the store's current revision.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, storage.ErrClosed
	}
	return s.rev, nil
}

// Close ends every watch with ErrClosed and waits for their goroutines.
// Every other method then fails with ErrClosed; a second Close does nothing.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	s.mu.Unlock()
	s.watchers.Wait()
	return nil
}

// lookup returns the key's history and its live entry (nil if the key does
// not exist now). The caller must hold s.mu.
func (s *Store) lookup(key string) (*history, *entry) {
	it, ok := s.keys.Get(item{key: key})
	if !ok {
		return nil, nil
	}
	if it.h.deleted {
		return it.h, nil
	}
	return it.h, it.h.last()
}

// commit gives e the next revision (and makes it a creation if createRev is
// unset), appends it to the log and to h (nil for a key without history),
// wakes the watchers and compacts if the history outgrew its window. The
// caller must hold s.mu for writing.
func (s *Store) commit(h *history, e *entry) {
	s.rev++
	e.rev = s.rev
	if e.createRev == 0 {
		e.createRev = e.rev
	}
	s.log = append(s.log, e)
	switch wasLive := h != nil && !h.deleted; {
	case !wasLive && !e.deleted:
		s.count(e.key, 1)
	case wasLive && e.deleted:
		s.count(e.key, -1)
	}
	if h == nil {
		h = &history{}
		s.keys.ReplaceOrInsert(item{key: e.key, h: h})
	}
	h.entries = append(h.entries, e)
	h.rev, h.deleted = e.rev, e.deleted
	close(s.notify)
	s.notify = make(chan struct{})
	s.autoCompact()
}

// readable checks that the store is open and resolves a read revision (0
// means now). The caller must hold s.mu.
func (s *Store) readable(rev int64) (int64, error) {
	switch {
	case s.closed:
		return 0, storage.ErrClosed
	case rev < 0:
		return 0, fmt.Errorf("invalid revision %d", rev)
	case rev == 0:
		return s.rev, nil
	case rev > s.rev:
		return 0, fmt.Errorf("revision %d (current %d): %w", rev, s.rev, storage.ErrFutureRevision)
	case rev < s.compactRev:
		return 0, &storage.CompactedError{Requested: rev, Oldest: s.compactRev}
	}
	return rev, nil
}

func notFound(key string) error { return fmt.Errorf("%s: %w", key, storage.ErrKeyNotFound) }

func validKey(key string) error {
	if key == "" {
		return fmt.Errorf("empty key")
	}
	return nil
}
