package etcd

import (
	"context"
	"errors"
	"log/slog"
)

// OpenEmbedded starts a single-member etcd (see StartEmbedded) and returns
// a Store on it; closing the Store stops etcd.
func OpenEmbedded(ctx context.Context, ec EmbeddedConfig, cfg Config) (*Store, error) {
	e, err := StartEmbedded(ctx, ec)
	if err != nil {
		return nil, err
	}
	cfg.Client, cfg.Closer = e.Client(), e
	if cfg.Log == nil {
		cfg.Log = ec.Log
	}
	s, err := New(ctx, cfg)
	if err != nil {
		return nil, errors.Join(err, e.Close())
	}
	// The endpoint is what etcdctl needs for a snapshot (docs/storage.md).
	s.log.Info("embedded etcd", slog.String("endpoint", "http://"+e.Endpoint()), slog.String("dir", ec.Dir))
	return s, nil
}

// OpenExternal connects to an etcd cluster (see NewClient) and returns a
// Store on it; closing the Store closes the client.
func OpenExternal(ctx context.Context, cc ClientConfig, cfg Config) (*Store, error) {
	client, err := NewClient(ctx, cc)
	if err != nil {
		return nil, err
	}
	cfg.Client, cfg.Closer = client, client
	if cfg.Log == nil {
		cfg.Log = cc.Log
	}
	s, err := New(ctx, cfg)
	if err != nil {
		return nil, errors.Join(err, client.Close())
	}
	return s, nil
}
