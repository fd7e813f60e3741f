package etcd

import (
	"log/slog"
	"testing"

	"github.com/evictd/evictd/internal/storage"
)

// TestOpenExternal reaches an etcd through its URL, as --etcd-servers
// does, with a prefix of its own; closing the store closes its client but
// not the cluster.
func TestOpenExternal(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	discard := slog.New(slog.DiscardHandler)
	e, err := StartEmbedded(ctx, EmbeddedConfig{Dir: t.TempDir(), UnsafeNoFsync: true, Log: discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })

	s, err := OpenExternal(ctx, ClientConfig{Servers: []string{"http://" + e.Endpoint()}, Log: discard},
		Config{Prefix: "/evictd", CompactionInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	kv, err := s.Create(ctx, "/core/pods/ns/a", []byte("pod"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := s.Get(ctx, "/core/pods/ns/a"); err != storage.ErrClosed {
		t.Fatalf("Get after Close: %v, want ErrClosed", err)
	}
	resp, err := e.Client().Get(ctx, "/evictd/core/pods/ns/a")
	if err != nil || len(resp.Kvs) != 1 || resp.Kvs[0].ModRevision != kv.ModRevision {
		t.Fatalf("the cluster after the store closed: %v, %v", resp, err)
	}
}

func TestClientConfigValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  ClientConfig
		ok   bool
	}{
		{"https", ClientConfig{Servers: []string{"https://10.0.0.1:2379", "https://10.0.0.2:2379"}}, true},
		{"http with CA", ClientConfig{Servers: []string{"http://127.0.0.1:2379"}, CAFile: "ca.pem"}, true},
		{"no servers", ClientConfig{}, false},
		{"bare host", ClientConfig{Servers: []string{"127.0.0.1:2379"}}, false},
		{"unix", ClientConfig{Servers: []string{"unix:///run/etcd.sock"}}, false},
		{"cert without key", ClientConfig{Servers: []string{"https://e:2379"}, CertFile: "c.pem"}, false},
		{"key without cert", ClientConfig{Servers: []string{"https://e:2379"}, KeyFile: "k.pem"}, false},
	} {
		if err := tc.cfg.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
