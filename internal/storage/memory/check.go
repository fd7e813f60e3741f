package memory

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
)

// maxCheckErrors caps the violations Check reports: past a few, the rest
// are usually the same fault seen again.
const maxCheckErrors = 20

// Check verifies the store's internal consistency, as bbolt's Tx.Check does,
// and returns the violations found (nil if none): the log is dense and
// strictly increasing from the compacted revision, every entry after it is
// both in the log and in its key's history, no history keeps more than the
// state at the compacted revision, creations, updates and deletions chain
// correctly, the prefix counts match the live keys, and the history
// respects its window. It walks everything
// under the read lock: meant for tests, not for serving.
func (s *Store) Check() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := checker{s: s}
	c.checkRevisions()
	c.checkLog()
	inHistories := 0
	prev := ""
	counts := map[string]int64{}
	s.keys.Ascend(func(it item) bool {
		if !it.h.deleted {
			for i := 0; i <= len(it.key); i++ {
				if i == 0 || it.key[i-1] == '/' {
					counts[it.key[:i]]++
				}
			}
		}
		if it.key <= prev && prev != "" {
			c.fail("key %q sorts after %q", prev, it.key)
		}
		prev = it.key
		inHistories += c.checkHistory(it)
		if n := len(it.h.entries); n > 0 && (it.h.rev != it.h.last().rev || it.h.deleted != it.h.last().deleted) {
			c.fail("key %q: history says revision %d deleted=%v, its last entry %d deleted=%v",
				it.key, it.h.rev, it.h.deleted, it.h.last().rev, it.h.last().deleted)
		}
		return len(c.errs) < maxCheckErrors
	})
	if inHistories != len(s.log) && len(c.errs) < maxCheckErrors {
		c.fail("histories hold %d entries after revision %d, the log %d", inHistories, s.compactRev, len(s.log))
	}
	if !maps.Equal(counts, s.counts) {
		c.fail("prefix counts %v, want %v", s.counts, counts)
	}
	return errors.Join(c.errs...)
}

// checker collects the violations found by Check. Its methods run with
// s.mu held.
type checker struct {
	s    *Store
	errs []error
}

func (c *checker) fail(format string, args ...any) {
	if len(c.errs) < maxCheckErrors {
		c.errs = append(c.errs, fmt.Errorf(format, args...))
	}
}

// checkRevisions checks the counters and the broadcast channels.
func (c *checker) checkRevisions() {
	s := c.s
	if s.compactRev < 1 || s.compactRev > s.rev {
		c.fail("compacted revision %d outside [1, %d]", s.compactRev, s.rev)
	}
	if got, want := int64(len(s.log)), s.rev-s.compactRev; got != want {
		c.fail("log holds %d entries, want %d (revisions %d to %d)", got, want, s.compactRev+1, s.rev)
	}
	if s.window > 0 && s.rev-s.compactRev >= 2*s.window {
		c.fail("history of %d revisions reaches twice the window %d", s.rev-s.compactRev, s.window)
	}
	for name, ch := range map[string]chan struct{}{"notify": s.notify, "compacted": s.compacted} {
		select {
		case <-ch:
			c.fail("%s channel is closed", name)
		default:
		}
	}
}

// checkLog checks that the log is dense and that each entry is what its
// key's history holds at that revision.
func (c *checker) checkLog() {
	s := c.s
	for i, e := range s.log {
		if want := s.compactRev + 1 + int64(i); e.rev != want {
			c.fail("log[%d] has revision %d, want %d", i, e.rev, want)
			continue
		}
		it, ok := s.keys.Get(item{key: e.key})
		if !ok {
			c.fail("revision %d: key %q is not indexed", e.rev, e.key)
		} else if it.h.at(e.rev) != e {
			c.fail("revision %d: key %q history disagrees with the log", e.rev, e.key)
		}
	}
}

// checkHistory checks one key's history and returns how many of its
// entries lie after the compacted revision.
func (c *checker) checkHistory(it item) int {
	s := c.s
	if len(it.h.entries) == 0 {
		c.fail("key %q has an empty history", it.key)
		return 0
	}
	after := 0
	for j, e := range it.h.entries {
		switch {
		case e.key != it.key:
			c.fail("key %q holds an entry of %q", it.key, e.key)
		case e.rev > s.rev:
			c.fail("key %q: revision %d is in the future (current %d)", it.key, e.rev, s.rev)
		case e.rev <= s.compactRev && (j > 0 || e.deleted):
			c.fail("key %q keeps entry %d at revision %d, at or below the compacted revision %d",
				it.key, j, e.rev, s.compactRev)
		case e.rev > s.compactRev:
			after++
			if i := e.rev - s.compactRev - 1; i >= int64(len(s.log)) || s.log[i] != e {
				c.fail("key %q: revision %d is not the log's entry", it.key, e.rev)
			}
		}
		if j > 0 && e.rev <= it.h.entries[j-1].rev {
			c.fail("key %q: revision %d follows %d", it.key, e.rev, it.h.entries[j-1].rev)
		}
		c.checkEntry(it.h, j)
	}
	return after
}

// checkEntry checks that entry j of h chains with the one before it.
func (c *checker) checkEntry(h *history, j int) {
	e := h.entries[j]
	if e.deleted != (e.value == nil) {
		c.fail("key %q revision %d: deleted=%v but value nil=%v", e.key, e.rev, e.deleted, e.value == nil)
	}
	created := e.createRev == e.rev
	if created != (e.prevValue == nil) || e.createRev > e.rev || (created && e.deleted) {
		c.fail("key %q revision %d: bad creation (create revision %d, previous value nil=%v, deleted=%v)",
			e.key, e.rev, e.createRev, e.prevValue == nil, e.deleted)
	}
	if j == 0 {
		// A kept predecessor is only dropped when it was a deletion, so a
		// first entry after the compacted revision is a creation.
		if e.rev > c.s.compactRev && !created {
			c.fail("key %q revision %d: first kept entry is not a creation", e.key, e.rev)
		}
		return
	}
	p := h.entries[j-1]
	switch {
	case p.deleted && !created:
		c.fail("key %q revision %d follows a deletion but is not a creation", e.key, e.rev)
	case !p.deleted && (created || e.createRev != p.createRev || !bytes.Equal(e.prevValue, p.value)):
		c.fail("key %q revision %d does not chain to revision %d", e.key, e.rev, p.rev)
	}
}
