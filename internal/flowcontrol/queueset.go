package flowcontrol

import (
	"context"
	"hash/fnv"
	"slices"
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// queueSet seats the requests of one priority level: at most seats run
// at once; the rest wait in fair queues, dispatched round-robin across
// the non-empty queues, so every waiting flow gets seats in turn however
// many requests another flow piles up.
type queueSet struct {
	seats, handSize, queueLength int

	mu      sync.Mutex
	inUse   int      // seats taken
	waiting int      // requests in all queues
	queues  []*queue // fixed, len = LevelConfig.Queues
	next    int      // the queue the next round-robin dispatch looks at first
}

// queue is one fair queue: requests waiting in order, and how many of the
// requests it dispatched still run (both count towards "shortest").
type queue struct {
	waiting   []*request
	executing int
}

// request is a waiting request; seated is closed when it gets a seat.
type request struct {
	seated chan struct{}
	q      *queue
}

func newQueueSet(seats int, cfg LevelConfig) *queueSet {
	qs := &queueSet{seats: seats, handSize: min(cfg.HandSize, cfg.Queues), queueLength: cfg.QueueLength}
	qs.queues = make([]*queue, cfg.Queues)
	for i := range qs.queues {
		qs.queues[i] = &queue{}
	}
	return qs
}

// acquire seats a request of flow, waiting at most wait.
func (qs *queueSet) acquire(ctx context.Context, flow string, clk clock.Clock, wait time.Duration) (func(), error) {
	qs.mu.Lock()
	if len(qs.queues) == 0 { // a level that rejects rather than queues
		defer qs.mu.Unlock()
		if qs.inUse >= qs.seats {
			return nil, ErrConcurrencyLimit
		}
		qs.inUse++
		return qs.releaser(nil), nil
	}
	q := qs.shortest(flow)
	if qs.inUse < qs.seats && qs.waiting == 0 {
		qs.seat(q)
		qs.mu.Unlock()
		return qs.releaser(q), nil
	}
	if len(q.waiting) >= qs.queueLength {
		qs.mu.Unlock()
		return nil, ErrQueueFull
	}
	r := &request{seated: make(chan struct{}), q: q}
	q.waiting = append(q.waiting, r)
	qs.waiting++
	qs.mu.Unlock()

	timer := clk.NewTimer(wait)
	defer timer.Stop()
	var err error
	select {
	case <-r.seated:
		return qs.releaser(q), nil
	case <-timer.C():
		err = ErrTimeout
	case <-ctx.Done():
		err = ErrCancelled
	}
	qs.mu.Lock()
	defer qs.mu.Unlock()
	select {
	case <-r.seated: // seated while the timer fired: give the seat back
		qs.release(q)
	default:
		qs.remove(r)
	}
	return nil, err
}

// releaser returns the function that frees the seat a request of q (nil
// for a level without queues) holds, once.
func (qs *queueSet) releaser(q *queue) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			qs.mu.Lock()
			defer qs.mu.Unlock()
			qs.release(q)
		})
	}
}

// seat gives a seat to a request of q. The caller holds qs.mu.
func (qs *queueSet) seat(q *queue) {
	qs.inUse++
	q.executing++
}

// release frees a seat of q and dispatches waiting requests onto the free
// seats. The caller holds qs.mu.
func (qs *queueSet) release(q *queue) {
	qs.inUse--
	if q != nil {
		q.executing--
	}
	qs.dispatch()
}

// dispatch seats waiting requests while seats are free, taking one from
// each non-empty queue in turn. The caller holds qs.mu.
func (qs *queueSet) dispatch() {
	for qs.inUse < qs.seats && qs.waiting > 0 {
		for len(qs.queues[qs.next].waiting) == 0 {
			qs.next = (qs.next + 1) % len(qs.queues)
		}
		q := qs.queues[qs.next]
		qs.next = (qs.next + 1) % len(qs.queues)
		r := q.waiting[0]
		q.waiting[0] = nil
		q.waiting = q.waiting[1:]
		qs.waiting--
		qs.seat(q)
		close(r.seated)
	}
}

// remove takes a request that gave up out of its queue. The caller holds
// qs.mu.
func (qs *queueSet) remove(r *request) {
	for i, w := range r.q.waiting {
		if w == r {
			r.q.waiting = append(r.q.waiting[:i], r.q.waiting[i+1:]...)
			qs.waiting--
			return
		}
	}
}

// shortest deals flow its hand of queues (shuffle sharding: the same flow
// always gets the same hand, two flows rarely the same one) and returns
// the one with the fewest requests waiting and running. The caller holds
// qs.mu.
func (qs *queueSet) shortest(flow string) *queue {
	var best *queue
	bestLen := 0
	for _, i := range deal(hashFlow(flow), len(qs.queues), qs.handSize) {
		q := qs.queues[i]
		if n := len(q.waiting) + q.executing; best == nil || n < bestLen {
			best, bestLen = q, n
		}
	}
	return best
}

func hashFlow(flow string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(flow))
	return h.Sum64()
}

// maxHand bounds a hand, so deal needs no allocation.
const maxHand = 8

// deal picks handSize distinct cards of a deck of deckSize from the hash,
// as upstream's shuffle-sharding dealer does: each card takes the hash
// modulo the cards left, the hash is divided by it, and the card then
// skips the cards already dealt (in ascending order).
func deal(hash uint64, deckSize, handSize int) []int {
	handSize = min(handSize, deckSize, maxHand)
	var hand, taken [maxHand]int // taken: the hand so far, sorted
	for i := range handSize {
		left := uint64(deckSize - i)
		card := int(hash % left)
		hash /= left
		for _, d := range taken[:i] {
			if card >= d {
				card++
			}
		}
		hand[i] = card
		taken[i] = card
		slices.Sort(taken[:i+1])
	}
	return hand[:handSize]
}
