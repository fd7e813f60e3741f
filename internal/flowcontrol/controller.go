package flowcontrol

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"k8s.io/utils/clock"
)

// DefaultQueueWait bounds how long a request waits for a seat. Upstream
// lets a request queue for a quarter of its deadline, and
// kube-apiserver's --request-timeout is 60 s: 15 s.
const DefaultQueueWait = 15 * time.Second

// Options configures a Controller.
type Options struct {
	// Seats is the server's concurrency limit, shared out between the
	// non-exempt levels; kube-apiserver with APF on uses
	// --max-requests-inflight + --max-mutating-requests-inflight. It must
	// be positive.
	Seats int
	// QueueWait bounds a request's wait; zero means DefaultQueueWait.
	QueueWait time.Duration
	// Clock times the queue wait; nil means the real clock.
	Clock clock.Clock
}

// Controller classifies requests and seats them.
type Controller struct {
	levels map[string]*level
	wait   time.Duration
	clock  clock.Clock
}

// New builds a Controller with Levels sharing opts.Seats.
func New(opts Options) (*Controller, error) {
	if opts.Seats <= 0 {
		return nil, fmt.Errorf("flowcontrol: seats must be positive, got %d", opts.Seats)
	}
	if opts.QueueWait <= 0 {
		opts.QueueWait = DefaultQueueWait
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	shares := 0
	for _, l := range Levels {
		shares += l.Shares
	}
	c := &Controller{levels: map[string]*level{}, wait: opts.QueueWait, clock: opts.Clock}
	for _, cfg := range Levels {
		l := &level{cfg: cfg}
		if !cfg.Exempt {
			seats := int(math.Ceil(float64(opts.Seats) * float64(cfg.Shares) / float64(shares)))
			l.queues = newQueueSet(seats, cfg)
		}
		c.levels[cfg.Name] = l
	}
	return c, nil
}

// level is a priority level; queues is nil when it is exempt.
type level struct {
	cfg    LevelConfig
	queues *queueSet
}

// Seats returns the concurrency limit of the named level (0 if exempt or
// unknown).
func (c *Controller) Seats(levelName string) int {
	if l, ok := c.levels[levelName]; ok && l.queues != nil {
		return l.queues.seats
	}
	return 0
}

// Classify finds the first flow schema matching d and its flow.
func (c *Controller) Classify(d Digest) Classification {
	for _, s := range schemas {
		if !s.matches(d.User, d.Path) {
			continue
		}
		l := c.levels[s.level]
		cls := Classification{
			FlowSchema: s.name, FlowSchemaUID: s.uid,
			PriorityLevel: l.cfg.Name, PriorityLevelUID: l.cfg.UID,
			Exempt: l.cfg.Exempt, level: l,
		}
		if s.byUser {
			// By user, as upstream distinguishes flows, and by connection:
			// by user alone, every client of the one admin token would be
			// one flow.
			cls.Flow = s.name + "/" + d.User.Name + "/" + d.Connection
		}
		return cls
	}
	panic("flowcontrol: the catch-all schema matches every request")
}

// Rejection reasons, as upstream's apiserver_flowcontrol_rejected_requests_total
// reasons name them.
var (
	ErrConcurrencyLimit = errors.New("concurrency-limit")
	ErrQueueFull        = errors.New("queue-full")
	ErrTimeout          = errors.New("time-out")
	ErrCancelled        = errors.New("cancelled")
)

// Acquire seats a classified request: at once if its level is exempt or
// has a free seat and nothing waiting, else after queuing. It returns the
// function that gives the seat back, or ErrConcurrencyLimit (a level
// without queues is full), ErrQueueFull, ErrTimeout (the queue wait
// passed) or ErrCancelled (ctx ended first).
func (c *Controller) Acquire(ctx context.Context, cls Classification) (release func(), err error) {
	if cls.Exempt || cls.level == nil || cls.level.queues == nil {
		return func() {}, nil
	}
	return cls.level.queues.acquire(ctx, cls.Flow, c.clock, c.wait)
}
