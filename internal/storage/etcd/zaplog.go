package etcd

import (
	"context"
	"log/slog"
	"sync/atomic"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// zapLogger returns a zap logger writing to log, for the etcd server and
// client (which log through zap), so that evictd keeps one logging API.
// etcd's INFO (every raft step and connection) is dropped before it is
// built; its warnings go to DEBUG, because an embedded single member warns
// on every start about what evictd chose (one port for gRPC and HTTP, no
// auth tokens, a loopback peer); its errors stay errors. Once quiet is
// set (etcd is being stopped), nothing is logged: etcd reports its own
// listeners closing as errors.
func zapLogger(log *slog.Logger, quiet *atomic.Bool) *zap.Logger {
	return zap.New(&slogCore{log: log, quiet: quiet})
}

// slogCore is a zapcore.Core that hands each entry to a slog.Logger.
type slogCore struct {
	log    *slog.Logger
	quiet  *atomic.Bool
	fields []zapcore.Field
}

// Enabled reports whether a zap level is logged at all.
func (c *slogCore) Enabled(l zapcore.Level) bool {
	return l >= zapcore.WarnLevel && !c.quiet.Load() && c.log.Enabled(context.Background(), slogLevel(l))
}

// With returns a core that adds fields to every entry.
func (c *slogCore) With(fields []zapcore.Field) zapcore.Core {
	return &slogCore{log: c.log, quiet: c.quiet, fields: append(c.fields[:len(c.fields):len(c.fields)], fields...)}
}

// Check adds the core to ce when the entry's level is enabled.
func (c *slogCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

// Write logs the entry with its fields as slog attributes.
func (c *slogCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range c.fields {
		f.AddTo(enc)
	}
	for _, f := range fields {
		f.AddTo(enc)
	}
	attrs := make([]slog.Attr, 0, len(enc.Fields)+1)
	if e.LoggerName != "" {
		attrs = append(attrs, slog.String("logger", e.LoggerName))
	}
	for k, v := range enc.Fields {
		attrs = append(attrs, slog.Any(k, v))
	}
	c.log.LogAttrs(context.Background(), slogLevel(e.Level), e.Message, attrs...)
	return nil
}

// Sync has nothing to flush.
func (c *slogCore) Sync() error { return nil }

func slogLevel(l zapcore.Level) slog.Level {
	switch {
	case l >= zapcore.ErrorLevel:
		return slog.LevelError
	}
	return slog.LevelDebug
}
