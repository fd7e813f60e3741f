package memory

import (
	"cmp"
	"slices"

	"github.com/evictd/evictd/internal/storage"
)

// entry is one write. Entries are immutable once committed, so the log, the
// key histories and watchers share them without copying or locking.
type entry struct {
	key       string
	rev       int64 // the revision of this write: the ModRevision
	createRev int64
	value     []byte // nil for a deletion
	// prevValue is the key's value before this write (nil for a create).
	// It shares the previous entry's bytes, and lets a watcher build
	// Event.PrevValue without looking the key up again.
	prevValue []byte
	deleted   bool
}

// history is a key's entries, oldest first. Only the first one may lie at
// or below compactRev, and then it is not a deletion.
type history struct {
	entries []*entry
	// rev and deleted repeat the last entry's fields, so that lookups and
	// List walks at or after rev decide whether the key exists with one
	// pointer hop from the B-tree instead of three.
	rev     int64
	deleted bool
}

// item is a B-tree element. It is a small value, not a pointer, so that a
// lookup probe (item{key: k}) costs no allocation.
type item struct {
	key string
	h   *history
}

func lessItem(a, b item) bool { return a.key < b.key }

// visible returns the key's entry at rev, or nil if the key did not exist
// then. The caller must hold s.mu.
func (h *history) visible(rev int64) *entry {
	switch {
	case rev < h.rev:
		if e := h.at(rev); e != nil && !e.deleted {
			return e
		}
		return nil
	case h.deleted:
		return nil
	}
	return h.last()
}

// exists is visible(rev) != nil, cheaper for the common case.
func (h *history) exists(rev int64) bool {
	if rev >= h.rev {
		return !h.deleted
	}
	return h.visible(rev) != nil
}

// at returns the key's entry visible at rev (its last one at or below rev),
// or nil. The caller must hold s.mu.
func (h *history) at(rev int64) *entry {
	i := h.after(rev)
	if i == 0 {
		return nil
	}
	return h.entries[i-1]
}

// after returns the index of the key's first entry newer than rev.
func (h *history) after(rev int64) int {
	i, _ := slices.BinarySearchFunc(h.entries, rev+1, func(e *entry, r int64) int {
		return cmp.Compare(e.rev, r)
	})
	return i
}

// last returns the key's newest entry. The caller must hold s.mu.
func (h *history) last() *entry { return h.entries[len(h.entries)-1] }

// keyValue describes e to a caller, with value as its Value.
func (e *entry) keyValue(value []byte) storage.KeyValue {
	return storage.KeyValue{Key: e.key, Value: value, CreateRevision: e.createRev, ModRevision: e.rev}
}

// cloneIn copies a caller's value into the store. The copy is never nil, so
// that a nil PrevValue always means "created".
func cloneIn(v []byte) []byte { return append(make([]byte, 0, len(v)), v...) }

// cloneOut copies a stored value for a caller; nil stays nil.
func cloneOut(v []byte) []byte {
	if v == nil {
		return nil
	}
	return append(make([]byte, 0, len(v)), v...)
}
