package server

import (
	"time"
)

// Limits bound what a client may hold of the server: how long a
// connection may sit before sending a request or between requests, how
// long a response may take to write, and how many connections and streams
// are open at once. The zero value of each field means its default.
type Limits struct {
	// ReadHeaderTimeout bounds the TLS handshake and the reading of each
	// request's headers (default 30 s, just under kube-apiserver's 32 s).
	ReadHeaderTimeout time.Duration
	// IdleTimeout closes a keep-alive connection (HTTP/1.1 or HTTP/2) that
	// sends no request for this long (default 90 s, kube-apiserver's
	// HTTP/2 idle timeout).
	IdleTimeout time.Duration
	// WriteTimeout bounds each response from its request's headers to its
	// last byte, except long-running requests (watches, pods/log and the
	// other streaming subresources), which kube-apiserver's long-running
	// check also exempts from its request timeout. Default 2 min: twice
	// kube-apiserver's 60 s request timeout, so a response the handler
	// finished in time can still reach a slow reader.
	WriteTimeout time.Duration
	// MaxConnections caps the connections open at once; beyond it a new
	// connection is closed as soon as it is accepted (default 4096, well
	// above the 1,000 clients of the overload tests and below a typical
	// file descriptor limit).
	MaxConnections int
	// MaxStreamsPerConnection caps the concurrent requests of one HTTP/2
	// connection (default 1000, kube-apiserver's
	// --http2-max-streams-per-connection: clients such as drain send
	// hundreds of requests at once on one connection). An HTTP/1.1
	// connection carries one request at a time.
	MaxStreamsPerConnection int
}

// Defaults of Limits.
const (
	DefaultReadHeaderTimeout       = 30 * time.Second
	DefaultIdleTimeout             = 90 * time.Second
	DefaultWriteTimeout            = 2 * time.Minute
	DefaultMaxConnections          = 4096
	DefaultMaxStreamsPerConnection = 1000
)

// withDefaults fills the zero fields.
func (l Limits) withDefaults() Limits {
	orDefault := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	orDefault(&l.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	orDefault(&l.IdleTimeout, DefaultIdleTimeout)
	orDefault(&l.WriteTimeout, DefaultWriteTimeout)
	if l.MaxConnections <= 0 {
		l.MaxConnections = DefaultMaxConnections
	}
	if l.MaxStreamsPerConnection <= 0 {
		l.MaxStreamsPerConnection = DefaultMaxStreamsPerConnection
	}
	return l
}
