package cli

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"k8s.io/klog/v2"
)

// klog's SetLogger must not run while anything logs, yet Execute may run
// several times in one process, even at once (the end-to-end tests start
// one serve per test in parallel). So the bridge from klog to slog is
// installed once and only its destination, the logger and verbosity of
// the latest Execute, changes.
var (
	klogDestination atomic.Pointer[klogTarget]
	klogBridge      sync.Once
)

// klogTarget is where klog's records go and which V levels pass.
type klogTarget struct {
	log       *slog.Logger
	verbosity int
}

// bridgeKlog sends klog's output (client-go, apimachinery) to l, its
// V(n) lines only for n up to verbosity.
func bridgeKlog(l *slog.Logger, verbosity int) {
	klogDestination.Store(&klogTarget{log: l, verbosity: verbosity})
	klogBridge.Do(func() { klog.SetSlogLogger(slog.New(forwardHandler{})) })
}

// forwardHandler is a slog.Handler that passes every record to the
// current klogDestination, replaying the attributes and groups it was
// derived with. klog hands a V(n) line over at slog level -n, which slog
// would print as "DEBUG+3" (V(1)) or hide below DEBUG (V(5) and up): it
// is passed on as DEBUG with v=n, when n is within the verbosity.
type forwardHandler struct {
	derive []func(slog.Handler) slog.Handler
}

func (f forwardHandler) target() slog.Handler {
	h := klogDestination.Load().log.Handler()
	for _, d := range f.derive {
		h = d(h)
	}
	return h
}

func (f forwardHandler) Enabled(ctx context.Context, level slog.Level) bool {
	t := klogDestination.Load()
	if level < slog.LevelInfo {
		return int(-level) <= t.verbosity && t.log.Handler().Enabled(ctx, slog.LevelDebug)
	}
	return t.log.Handler().Enabled(ctx, level)
}

func (f forwardHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelInfo {
		v := int(-r.Level)
		if v > klogDestination.Load().verbosity {
			return nil
		}
		r = r.Clone()
		r.Level = slog.LevelDebug
		r.AddAttrs(slog.Int("v", v))
	}
	return f.target().Handle(ctx, r)
}

func (f forwardHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return forwardHandler{derive: append(slices.Clip(f.derive), func(h slog.Handler) slog.Handler { return h.WithAttrs(attrs) })}
}

func (f forwardHandler) WithGroup(name string) slog.Handler {
	return forwardHandler{derive: append(slices.Clip(f.derive), func(h slog.Handler) slog.Handler { return h.WithGroup(name) })}
}
