package server_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/pki"
	"github.com/evictd/evictd/internal/server"
)

// lockedBuffer collects log output from many goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startLimited runs a server without controllers (they would hold
// connections of their own) with the given limits; its log is returned.
func startLimited(t *testing.T, limits server.Limits) (*server.Server, *lockedBuffer) {
	t.Helper()
	bundle, err := pki.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := server.Start(t.Context(), server.Config{Listen: "127.0.0.1:0", PKI: bundle, Log: log, Limits: limits})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return srv, logs
}

func hostPort(srv *server.Server) string { return strings.TrimPrefix(srv.URL(), "https://") }

// dialTLS opens a TLS connection trusting the server, offering protos.
func dialTLS(t *testing.T, srv *server.Server, protos ...string) *tls.Conn {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(srv.RESTConfig().CAData)
	conn, err := tls.Dial("tcp", hostPort(srv), &tls.Config{RootCAs: pool, NextProtos: protos, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// waitClosed reads until the server closes conn; it fails if that takes
// longer than within (or never happens).
func waitClosed(t *testing.T, conn net.Conn, within time.Duration) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(within))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("connection still open after %v", within)
	}
}

// h2Settings sends the HTTP/2 client preface and an empty SETTINGS frame,
// and returns the server's SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113
// §6.5.2, identifier 0x3).
func h2Settings(t *testing.T, conn net.Conn) uint32 {
	t.Helper()
	if _, err := conn.Write(append([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 0, 0, 0, 4, 0, 0, 0, 0, 0)); err != nil {
		t.Fatal(err)
	}
	header := make([]byte, 9)
	if _, err := io.ReadFull(conn, header); err != nil {
		t.Fatal(err)
	}
	length := int(header[0])<<16 | int(header[1])<<8 | int(header[2])
	payload := make([]byte, length)
	if _, err := io.ReadFull(conn, payload); err != nil {
		t.Fatal(err)
	}
	if header[3] != 4 {
		t.Fatalf("first frame has type %d, want SETTINGS", header[3])
	}
	for i := 0; i+6 <= len(payload); i += 6 {
		if binary.BigEndian.Uint16(payload[i:]) == 3 {
			return binary.BigEndian.Uint32(payload[i+2:])
		}
	}
	t.Fatal("no SETTINGS_MAX_CONCURRENT_STREAMS")
	return 0
}

// TestIdleConnectionsAreClosed: a connection that never handshakes, an
// HTTP/1.1 keep-alive connection after its request, and an HTTP/2
// connection that sends nothing are all closed by the server, as
// kube-apiserver closes idle connections; before, they stayed for ever.
func TestIdleConnectionsAreClosed(t *testing.T) {
	t.Parallel()
	srv, _ := startLimited(t, server.Limits{ReadHeaderTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond})
	const within = 5 * time.Second
	t.Run("no TLS handshake", func(t *testing.T) {
		t.Parallel()
		var wg sync.WaitGroup
		for range 20 {
			conn, err := net.Dial("tcp", hostPort(srv))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			wg.Go(func() { waitClosed(t, conn, within) })
		}
		wg.Wait()
	})
	t.Run("HTTP/1.1 keep-alive after a request", func(t *testing.T) {
		t.Parallel()
		conn := dialTLS(t, srv, "http/1.1")
		if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: evictd\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Close {
			t.Fatalf("GET /healthz: %d, close=%v; want 200 on a kept-alive connection", resp.StatusCode, resp.Close)
		}
		waitClosed(t, conn, within)
	})
	t.Run("HTTP/2 without requests", func(t *testing.T) {
		t.Parallel()
		conn := dialTLS(t, srv, "h2")
		h2Settings(t, conn)
		waitClosed(t, conn, within)
	})
}

// TestConnectionLimitsHold: beyond MaxConnections a new connection is
// closed at once (and said at WARN) while the open ones stay; a freed slot
// is usable again; an HTTP/2 connection is told its stream limit.
func TestConnectionLimitsHold(t *testing.T) {
	t.Parallel()
	srv, logs := startLimited(t, server.Limits{MaxConnections: 2, MaxStreamsPerConnection: 3})

	h2 := dialTLS(t, srv, "h2")
	if got := h2Settings(t, h2); got != 3 {
		t.Errorf("SETTINGS_MAX_CONCURRENT_STREAMS = %d, want 3", got)
	}
	idle, err := net.Dial("tcp", hostPort(srv))
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	over, err := net.Dial("tcp", hostPort(srv))
	if err != nil {
		t.Fatal(err)
	}
	defer over.Close()
	waitClosed(t, over, 5*time.Second)
	_ = idle.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := idle.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("a connection within the limit was closed: %v", err)
	}
	if !strings.Contains(logs.String(), "level=WARN msg=\"connection limit reached") {
		t.Errorf("no WARN for the refused connection in:\n%s", logs.String())
	}

	idle.Close()
	client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := client.Discovery().ServerVersion()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no connection after one was freed: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWatchOutlivesTheWriteTimeout: the write timeout bounds ordinary
// responses, but a watch is long-running and keeps delivering events
// after it, as kube-apiserver exempts watches from its request timeout.
func TestWatchOutlivesTheWriteTimeout(t *testing.T) {
	t.Parallel()
	const writeTimeout = 200 * time.Millisecond
	srv, _ := startLimited(t, server.Limits{WriteTimeout: writeTimeout})
	client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
	w, err := client.CoreV1().Namespaces().Watch(t.Context(), metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	// Real time must pass the deadline for the test to mean anything.
	time.Sleep(3 * writeTimeout)
	if _, err := client.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "late"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatal("the watch ended at the write timeout")
			}
			if ns, _ := ev.Object.(*corev1.Namespace); ev.Type == watch.Added && ns != nil && ns.Name == "late" {
				return
			}
		case <-timeout:
			t.Fatal("no event for the namespace created after the write timeout")
		}
	}
}

// TestTLSHandshakeFailuresAreLoggedAtWarn: a client that does not trust
// the server (or speaks plain HTTP to it) was visible only at DEBUG; it is
// now a WARN line, and a flood of them stays a handful of lines.
func TestTLSHandshakeFailuresAreLoggedAtWarn(t *testing.T) {
	t.Parallel()
	srv, logs := startLimited(t, server.Limits{})
	for range 40 {
		conn, err := tls.Dial("tcp", hostPort(srv), &tls.Config{ServerName: "127.0.0.1"})
		if err == nil {
			conn.Close()
			t.Fatal("handshake succeeded without trusting the CA")
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "TLS handshake error") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	out := logs.String()
	n := strings.Count(out, `level=WARN msg="http: TLS handshake error`)
	if n == 0 || strings.Contains(out, `level=DEBUG msg="http: TLS handshake error`) {
		t.Fatalf("TLS failures not at WARN:\n%s", out)
	}
	if n > 15 {
		t.Errorf("%d lines for 40 failures: not rate-limited", n)
	}
}
