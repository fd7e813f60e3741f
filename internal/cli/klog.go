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
// installed once and only its destination, the logger of the latest
// Execute, changes.
var (
	klogDestination atomic.Pointer[slog.Logger]
	klogBridge      sync.Once
)

// bridgeKlog sends klog's output (client-go, apimachinery) to l.
func bridgeKlog(l *slog.Logger) {
	klogDestination.Store(l)
	klogBridge.Do(func() { klog.SetSlogLogger(slog.New(forwardHandler{})) })
}

// forwardHandler is a slog.Handler that passes every record to the
// current klogDestination, replaying the attributes and groups it was
// derived with.
type forwardHandler struct {
	derive []func(slog.Handler) slog.Handler
}

func (f forwardHandler) target() slog.Handler {
	h := klogDestination.Load().Handler()
	for _, d := range f.derive {
		h = d(h)
	}
	return h
}

func (f forwardHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return klogDestination.Load().Handler().Enabled(ctx, level)
}

func (f forwardHandler) Handle(ctx context.Context, r slog.Record) error {
	return f.target().Handle(ctx, r)
}

func (f forwardHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return forwardHandler{derive: append(slices.Clip(f.derive), func(h slog.Handler) slog.Handler { return h.WithAttrs(attrs) })}
}

func (f forwardHandler) WithGroup(name string) slog.Handler {
	return forwardHandler{derive: append(slices.Clip(f.derive), func(h slog.Handler) slog.Handler { return h.WithGroup(name) })}
}
