package cli

import (
	"io"
	"log/slog"
)

// verbosityHelp explains -v: evictd's own debug lines and one line per
// request from 1 on, and client-go's klog V(n) lines up to n.
const verbosityHelp = `log verbosity: -v (or -v=1) adds debug lines and one line per API request ` +
	`(verb, URI, code, latency, user agent, as kube-apiserver's httplog); -v=N also shows ` +
	`client-go's klog V(N) lines`

// newLogger is the text logger of every command: INFO and above at
// verbosity 0, DEBUG too beyond.
func newLogger(w io.Writer, verbosity int) *slog.Logger {
	level := slog.LevelInfo
	if verbosity > 0 {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: readableLevel}))
}

// readableLevel prints every level below INFO as DEBUG: slog would print
// klog's V(n) levels, which sit between DEBUG and INFO, as "DEBUG+3".
func readableLevel(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 || a.Key != slog.LevelKey {
		return a
	}
	if level, ok := a.Value.Any().(slog.Level); ok && level < slog.LevelInfo {
		return slog.String(slog.LevelKey, slog.LevelDebug.String())
	}
	return a
}
