// Package storage defines the etcd-shaped key-value seam between the API
// server and its backends: one revision counter for the whole store (the
// revision is every object's resourceVersion), compare-and-swap writes, and
// watches that replay history from a revision before streaming.
//
// Keys look like /<group>/<resource>/<namespace>/<name>; values are opaque
// encoded objects. Every backend must pass the storagetest suite.
package storage

import (
	"context"
	"errors"
	"fmt"
)

// KeyValue is one stored value and the revisions that describe it.
type KeyValue struct {
	Key   string
	Value []byte
	// CreateRevision is the revision at which the key was created.
	CreateRevision int64
	// ModRevision is the revision of the last write to the key; it is the
	// object's resourceVersion.
	ModRevision int64
}

// ListOptions narrows a List.
type ListOptions struct {
	// Revision reads the store as it was at that revision; 0 means now.
	// A revision that has been compacted away gives ErrCompacted; one that
	// is newer than the store gives ErrFutureRevision.
	Revision int64
	// Limit caps the number of returned values; 0 means no limit.
	Limit int64
	// StartKey, when set, skips keys that sort before it (the continuation
	// of a paginated list). It must lie under the listed prefix.
	StartKey string
}

// ListResult is the answer to a List.
type ListResult struct {
	KVs []KeyValue
	// Revision is the revision the list was read at.
	Revision int64
	// More reports that Limit cut the result short; the next page starts
	// right after the last returned key.
	More bool
	// Remaining counts the keys left after the last returned one (only
	// meaningful when More is true).
	Remaining int64
}

// EventType says what happened to a key.
type EventType int

const (
	// Put is a create or an update; Event.PrevValue is nil for a create.
	Put EventType = iota
	// Delete removes a key; Event.PrevValue holds its last value.
	Delete
	// Progress carries no key: it says that every event up to
	// Event.Revision has been delivered on this watch (a bookmark).
	Progress
)

func (t EventType) String() string {
	switch t {
	case Put:
		return "PUT"
	case Delete:
		return "DELETE"
	case Progress:
		return "PROGRESS"
	}
	return fmt.Sprintf("EventType(%d)", int(t))
}

// Event is one change seen by a watch.
type Event struct {
	Type      EventType
	Key       string
	Value     []byte // the new value (nil for Delete)
	PrevValue []byte // the value before the change (nil for a create)
	// Revision is the revision of the change (the new resourceVersion; for
	// Delete, the revision of the deletion).
	Revision int64
	// CreateRevision is the key's creation revision (0 for Progress).
	CreateRevision int64
}

// WatchOptions tunes a Watch.
type WatchOptions struct {
	// Revision starts the watch: every change with a revision strictly
	// greater than this one is delivered, history first. 0 means "from now".
	// A revision older than the kept history gives ErrCompacted.
	Revision int64
	// ProgressNotify asks for Progress events while the watch is idle, so
	// clients can advance their resourceVersion (bookmarks).
	ProgressNotify bool
}

// Watcher streams events until its context ends, Stop is called, or the
// backend closes it (for example a watcher too slow to keep up). The
// channel is closed when the watch ends; Err then says why (nil after Stop
// or a cancelled context).
type Watcher interface {
	Events() <-chan Event
	Stop()
	Err() error
}

// Interface is what the API server needs from a backend. All methods are
// safe for concurrent use.
type Interface interface {
	// Create stores a new key. It fails with ErrKeyExists if the key exists.
	Create(ctx context.Context, key string, value []byte) (KeyValue, error)
	// Get returns the current value of key, or ErrKeyNotFound.
	Get(ctx context.Context, key string) (KeyValue, error)
	// List returns the keys under prefix in key order.
	List(ctx context.Context, prefix string, opts ListOptions) (ListResult, error)
	// Update replaces key's value only if its ModRevision is still
	// expectedRevision (compare-and-swap). It fails with ErrKeyNotFound if
	// the key is gone and ErrConflict (carrying the current value) if it
	// was changed meanwhile.
	Update(ctx context.Context, key string, value []byte, expectedRevision int64) (KeyValue, error)
	// Delete removes key. With expectedRevision > 0 it is a compare-and-swap
	// like Update. It returns the last value, with ModRevision set to the
	// revision of the deletion.
	Delete(ctx context.Context, key string, expectedRevision int64) (KeyValue, error)
	// Watch streams changes to keys under prefix.
	Watch(ctx context.Context, prefix string, opts WatchOptions) (Watcher, error)
	// Revision is the store's current revision.
	Revision(ctx context.Context) (int64, error)
	// Compact forgets history at and below revision: later reads and
	// watches from older revisions get ErrCompacted.
	Compact(ctx context.Context, revision int64) error
	// Close releases the backend; open watches end.
	Close() error
}

// Sentinel errors; test them with errors.Is. Backends wrap them with the key.
var (
	ErrKeyNotFound    = errors.New("key not found")
	ErrKeyExists      = errors.New("key already exists")
	ErrConflict       = errors.New("revision mismatch")
	ErrCompacted      = errors.New("required revision has been compacted")
	ErrFutureRevision = errors.New("required revision is in the future")
	ErrClosed         = errors.New("storage closed")
	// ErrWatcherTooSlow ends a watch whose consumer fell too far behind.
	ErrWatcherTooSlow = errors.New("watcher too slow")
)

// ConflictError is returned by a failed compare-and-swap. Current holds the
// value that won, so the caller can retry without another Get.
type ConflictError struct {
	Current KeyValue
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s: %v (now at %d)", e.Current.Key, ErrConflict, e.Current.ModRevision)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// CompactedError is returned for a revision older than the kept history.
type CompactedError struct {
	Requested int64
	// Oldest is the oldest revision that can still be read or watched from.
	Oldest int64
}

func (e *CompactedError) Error() string {
	return fmt.Sprintf("revision %d: %v (oldest kept is %d)", e.Requested, ErrCompacted, e.Oldest)
}

// Is makes errors.Is(err, ErrCompacted) true.
func (e *CompactedError) Is(target error) bool { return target == ErrCompacted }
