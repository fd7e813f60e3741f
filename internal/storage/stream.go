package storage

import (
	"errors"
	"sync"
)

// ErrWatchStopped ends a watch by its owner's will (Stop or a cancelled
// context); Stream.Finish records it as a nil Err.
var ErrWatchStopped = errors.New("watch stopped")

// Stream is the part of a Watcher every backend shares: the buffered
// event channel its goroutine sends on, Stop, and Err. A backend embeds
// it, sends on C, selects on Stopped, and calls Finish once when its
// goroutine ends.
type Stream struct {
	// C carries the events; Finish closes it.
	C chan Event
	// Stopped is closed by Stop.
	Stopped  chan struct{}
	stopOnce sync.Once
	done     chan struct{} // closed by Finish

	mu  sync.Mutex
	err error // why the watch ended; set before C is closed
}

// NewStream returns a Stream whose channel holds buffer events.
func NewStream(buffer int) *Stream {
	return &Stream{C: make(chan Event, buffer), Stopped: make(chan struct{}), done: make(chan struct{})}
}

// Events returns the event stream; it is closed when the watch ends.
func (s *Stream) Events() <-chan Event { return s.C }

// Stop ends the watch and waits until its goroutine has finished. It is
// idempotent and safe to call after the watch has ended.
func (s *Stream) Stop() {
	s.stopOnce.Do(func() { close(s.Stopped) })
	<-s.done
}

// Err says why the watch ended: nil after Stop or a cancelled context,
// else the backend's reason (ErrClosed, ErrWatcherTooSlow, a
// *CompactedError, …).
func (s *Stream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Finish records why the watch ended, closes C and lets Stop return. The
// backend's goroutine calls it once, last.
func (s *Stream) Finish(err error) {
	if errors.Is(err, ErrWatchStopped) {
		err = nil
	}
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
	close(s.C)
	close(s.done)
}
