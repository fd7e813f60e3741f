package etcd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
)

// embeddedStartTimeout bounds how long StartEmbedded waits for the member
// to elect itself and serve. A single member is ready in well under a
// second; replaying a large write-ahead log after a crash takes longer.
const embeddedStartTimeout = time.Minute

// EmbeddedConfig configures a single-member etcd inside the process.
type EmbeddedConfig struct {
	// Dir holds etcd's data (write-ahead log and database); required. It is
	// created with mode 0700 as etcd requires, and reused on restart.
	Dir string
	// UnsafeNoFsync skips fsync: much faster, and a crash may lose writes.
	// Tests only.
	UnsafeNoFsync bool
	// Log receives etcd's warnings and errors; nil means slog.Default().
	Log *slog.Logger
}

// Embedded is a running single-member etcd with a client connected to it
// over loopback TCP.
type Embedded struct {
	etcd   *embed.Etcd
	client *clientv3.Client
	// quiet silences etcd's logs while it stops.
	quiet *atomic.Bool
}

// StartEmbedded starts etcd on 127.0.0.1 (ports picked by the system, so
// several can run at once) and returns once it serves and a client is
// connected. The member is named "evictd" and its cluster is new on the
// first start and resumed from Dir afterwards.
func StartEmbedded(ctx context.Context, cfg EmbeddedConfig) (*Embedded, error) {
	if cfg.Dir == "" {
		return nil, errors.New("embedded etcd: Dir is required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded etcd: %w", err)
	}
	if err := os.Chmod(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded etcd: %w", err)
	}
	quiet := new(atomic.Bool)
	lg := zapLogger(cfg.Log.With(slog.String("component", "etcd")), quiet)
	ec := embed.NewConfig()
	ec.Name = "evictd"
	ec.Dir = cfg.Dir
	ec.UnsafeNoFsync = cfg.UnsafeNoFsync
	ec.ZapLoggerBuilder = embed.NewZapLoggerBuilder(lg)
	// Port 0 everywhere: nothing else connects to the peer port of a
	// single member, and the client port is read back from the listener.
	loopback := []url.URL{{Scheme: "http", Host: "127.0.0.1:0"}}
	ec.ListenClientUrls, ec.AdvertiseClientUrls = loopback, loopback
	ec.ListenPeerUrls, ec.AdvertisePeerUrls = loopback, loopback
	ec.InitialCluster = ec.InitialClusterFromName(ec.Name)
	// No HTTP gateway or metrics listener: evictd only speaks gRPC to it.
	ec.EnableGRPCGateway = false
	e, err := embed.StartEtcd(ec)
	if err != nil {
		return nil, fmt.Errorf("embedded etcd: %w", err)
	}
	timeout := time.NewTimer(embeddedStartTimeout)
	defer timeout.Stop()
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		quiet.Store(true)
		e.Close()
		return nil, fmt.Errorf("embedded etcd: %w", err)
	case <-timeout.C:
		quiet.Store(true)
		e.Close()
		return nil, fmt.Errorf("embedded etcd: not ready after %v", embeddedStartTimeout)
	case <-ctx.Done():
		quiet.Store(true)
		e.Close()
		return nil, fmt.Errorf("embedded etcd: %w", ctx.Err())
	}
	client, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{e.Clients[0].Addr().String()},
		DialTimeout: 5 * time.Second,
		Logger:      lg,
		Context:     context.WithoutCancel(ctx),
	})
	if err != nil {
		quiet.Store(true)
		e.Close()
		return nil, fmt.Errorf("embedded etcd client: %w", err)
	}
	return &Embedded{etcd: e, client: client, quiet: quiet}, nil
}

// Client returns the client connected to the member; Close closes it.
func (e *Embedded) Client() *clientv3.Client { return e.client }

// Endpoint returns the member's client address (host:port).
func (e *Embedded) Endpoint() string { return e.etcd.Clients[0].Addr().String() }

// Close closes the client, then stops etcd and waits for it.
func (e *Embedded) Close() error {
	err := e.client.Close()
	e.quiet.Store(true)
	e.etcd.Close()
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("close etcd client: %w", err)
	}
	return nil
}
