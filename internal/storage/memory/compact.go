package memory

import (
	"context"
	"fmt"

	"github.com/evictd/evictd/internal/storage"
)

// Compact forgets the changes at and below revision: reads and watches from
// older revisions then fail with a *storage.CompactedError, and watchers
// still behind it end with ErrWatcherTooSlow. The state at revision itself
// stays readable. Compacting an already compacted revision does nothing; a
// revision above the current one gives ErrFutureRevision.
func (s *Store) Compact(ctx context.Context, revision int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return storage.ErrClosed
	case revision > s.rev:
		return fmt.Errorf("compact to %d (current %d): %w", revision, s.rev, storage.ErrFutureRevision)
	}
	s.compact(revision)
	return nil
}

// autoCompact keeps the history between window and 2*window revisions: once
// it reaches twice the window it drops the older half. Each compaction
// walks the window entries it drops, once every window writes, so the cost
// is O(1) per write amortized (a pause of about a millisecond per 10000
// writes) rather than a trim on every write. The caller must hold s.mu for
// writing.
func (s *Store) autoCompact() {
	if s.window > 0 && s.rev-s.compactRev >= 2*s.window {
		s.compact(s.rev - s.window)
	}
}

// compact drops the log entries at and below rev, and from each key they
// touch the entries no read at rev or later can see. Keys the dropped
// entries do not touch already hold only their state at compactRev or
// newer entries, so they need no visit. The caller must hold s.mu for
// writing.
func (s *Store) compact(rev int64) {
	if rev <= s.compactRev {
		return
	}
	cut := rev - s.compactRev
	for _, e := range s.log[:cut] {
		s.trim(e.key, rev)
	}
	clear(s.log[:cut]) // let the dropped entries be collected
	s.log = s.log[cut:]
	s.compactRev = rev
	close(s.compacted)
	s.compacted = make(chan struct{})
}

// trim drops key's entries older than its state at rev, and that state too
// if it is a deletion (the key does not exist at rev); a key left without
// entries leaves the index. Trimming twice is harmless. The caller must hold
// s.mu for writing.
func (s *Store) trim(key string, rev int64) {
	it, ok := s.keys.Get(item{key: key})
	if !ok {
		return
	}
	h := it.h
	keep := h.after(rev) - 1 // the state at rev, or -1 if the key had no entry yet
	if keep >= 0 && h.entries[keep].deleted {
		keep++
	}
	if keep <= 0 {
		return
	}
	n := copy(h.entries, h.entries[keep:])
	clear(h.entries[n:])
	h.entries = h.entries[:n]
	if n == 0 {
		s.keys.Delete(it)
	}
}
