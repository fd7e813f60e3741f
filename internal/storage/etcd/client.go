package etcd

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// dialTimeout bounds the first connection to etcd: long enough for a
// cluster across a network, short enough that a wrong address fails at
// start-up rather than hanging it (kube-apiserver's etcd client also dials
// with a 20 s timeout).
const dialTimeout = 20 * time.Second

// ClientConfig says how to reach an external etcd cluster, with the
// meaning of kube-apiserver's flags of the same names.
type ClientConfig struct {
	// Servers are the members' client URLs (--etcd-servers), http:// or
	// https://; required.
	Servers []string
	// CAFile verifies the members' serving certificates (--etcd-cafile);
	// empty means the system roots.
	CAFile string
	// CertFile and KeyFile authenticate evictd to etcd
	// (--etcd-certfile, --etcd-keyfile); both or neither.
	CertFile, KeyFile string
	// Log receives the client's warnings; nil means slog.Default().
	Log *slog.Logger
}

// Validate checks the configuration without connecting.
func (c ClientConfig) Validate() error {
	if len(c.Servers) == 0 {
		return errors.New("no etcd servers")
	}
	for _, s := range c.Servers {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("etcd server %q: want a URL such as https://127.0.0.1:2379", s)
		}
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		return errors.New("the etcd client certificate and key go together: set both or neither")
	}
	return nil
}

// NewClient connects to an external etcd cluster. TLS is used when a
// server URL is https:// or a CA or client certificate is given.
func NewClient(ctx context.Context, cfg ClientConfig) (*clientv3.Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	tlsConfig, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}
	client, err := clientv3.New(clientv3.Config{
		Endpoints:   cfg.Servers,
		DialTimeout: dialTimeout,
		TLS:         tlsConfig,
		Logger:      zapLogger(cfg.Log.With(slog.String("component", "etcd-client")), new(atomic.Bool)),
		Context:     context.WithoutCancel(ctx),
	})
	if err != nil {
		return nil, fmt.Errorf("etcd client for %s: %w", strings.Join(cfg.Servers, ","), err)
	}
	// clientv3.New does not wait for a member: ask one, so that a wrong
	// address or certificate fails now rather than on the first request.
	sctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	if _, err := client.Get(sctx, "health", clientv3.WithCountOnly()); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("etcd at %s: %w", strings.Join(cfg.Servers, ","), err)
	}
	return client, nil
}

// tlsConfig builds the client's TLS settings, or nil for plain http.
func (c ClientConfig) tlsConfig() (*tls.Config, error) {
	secure := c.CAFile != "" || c.CertFile != ""
	for _, s := range c.Servers {
		secure = secure || strings.HasPrefix(s, "https://")
	}
	if !secure {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("etcd CA: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("etcd CA %s: no PEM certificate in it", c.CAFile)
		}
	}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("etcd client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}
