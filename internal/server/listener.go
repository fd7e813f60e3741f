package server

import (
	"net"
	"sync"
)

// limitListener closes a connection as soon as it is accepted when max
// are already open. Closing at once, rather than leaving it in the
// kernel's backlog (as x/net's LimitListener does by not accepting),
// tells the client at once and keeps file descriptors and memory bounded
// however many connections a hostile client opens.
type limitListener struct {
	net.Listener
	slots chan struct{}
	// refused is told of each connection closed for the limit.
	refused func(remote net.Addr, limit int)
}

func newLimitListener(ln net.Listener, max int, refused func(remote net.Addr, limit int)) *limitListener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, max), refused: refused}
}

// Accept returns the next connection that fits under the limit.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &limitedConn{Conn: conn, release: func() { <-l.slots }}, nil
		default:
			l.refused(conn.RemoteAddr(), cap(l.slots))
			conn.Close()
		}
	}
}

// limitedConn gives its slot back once, on the first Close.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
