package server

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// Rate of the server's own error lines (TLS handshake failures, recovered
// panics, refused connections): a burst shows a problem at once, then one
// line a second per kind keeps a hostile client from flooding the log. The
// lines dropped are counted in the next line let through.
const (
	logBurst = 10
	logEvery = time.Second
)

// limitedLog writes log lines of each kind at a bounded rate.
type limitedLog struct {
	log   *slog.Logger
	clock clock.PassiveClock
	mu    sync.Mutex
	kinds map[string]*logBucket
}

// logBucket is one kind's token bucket and its dropped-line count.
type logBucket struct {
	tokens  float64
	last    time.Time
	dropped int
}

func newLimitedLog(log *slog.Logger, clk clock.PassiveClock) *limitedLog {
	return &limitedLog{log: log, clock: clk, kinds: map[string]*logBucket{}}
}

// Log writes the line unless its kind is over the rate; the first line let
// through after a drop carries "suppressed", the number dropped.
func (l *limitedLog) Log(level slog.Level, kind, msg string, attrs ...slog.Attr) {
	dropped, ok := l.allow(kind)
	if !ok {
		return
	}
	if dropped > 0 {
		attrs = append(attrs, slog.Int("suppressed", dropped))
	}
	l.log.LogAttrs(context.Background(), level, msg, attrs...)
}

func (l *limitedLog) allow(kind string) (dropped int, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	b := l.kinds[kind]
	if b == nil {
		b = &logBucket{tokens: logBurst, last: now}
		l.kinds[kind] = b
	}
	b.tokens = min(logBurst, b.tokens+now.Sub(b.last).Seconds()/logEvery.Seconds())
	b.last = now
	if b.tokens < 1 {
		b.dropped++
		return 0, false
	}
	b.tokens--
	dropped, b.dropped = b.dropped, 0
	return dropped, true
}
