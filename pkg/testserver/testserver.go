// Package testserver starts a real, in-process evictd inside a Go test and
// hands back a *rest.Config: a faithful, fast replacement for envtest.
// Every call gets its own server on 127.0.0.1 with a random port, fresh
// certificates and an empty in-memory store, so tests may run in parallel.
//
//	func TestSomething(t *testing.T) {
//		srv := testserver.Start(t)
//		client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
//		…
//	}
//
// Options.Storage = StorageEtcd keeps the objects in etcd behind the watch
// cache instead, as `evictd serve --storage=etcd-embedded` does, to test
// against the storage a durable evictd runs on: by default an etcd
// started inside the test process for that server alone (in a temporary
// directory, without fsync, removed by Stop), or, with
// Options.EtcdServers, an etcd cluster of your own, where every server
// keeps its keys under a prefix of its own so that tests may share it.
//
//	srv := testserver.StartWith(t, testserver.Options{Storage: testserver.StorageEtcd})
package testserver

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/evictd/evictd/internal/kubelet"
	"github.com/evictd/evictd/internal/pki"
	"github.com/evictd/evictd/internal/server"
)

// Server is an evictd started for one test; it stops when the test ends.
type Server struct {
	srv *server.Server
	pki *pki.Bundle
	// cleanup runs after the server and its storage stopped.
	cleanup func() error
}

// shutdownTimeout bounds how long cleanup waits for in-flight requests.
const shutdownTimeout = 5 * time.Second

// Start starts a server and registers its shutdown with t.Cleanup. It
// fails the test if the server cannot start.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Options{})
}

// StartWith is Start with options.
func StartWith(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := New(context.Background(), opts)
	if err != nil {
		t.Fatalf("start evictd: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if err := s.Stop(ctx); err != nil {
			t.Errorf("stop evictd: %v", err)
		}
	})
	return s
}

// Options tunes New.
type Options struct {
	// Log receives the server's logs; nil discards them.
	Log *slog.Logger
	// WithoutControllers leaves out every in-process controller and the
	// scheduler, for tests that write status themselves, as envtest users
	// do.
	WithoutControllers bool
	// Controllers selects the in-process components as evictd serve's
	// --controllers does ("*", "NAME", "-NAME"); nil means "*" unless
	// WithoutControllers.
	Controllers []string
	// Nodes runs that many simulated nodes (node-1 … node-N, 32 CPU,
	// 256Gi, 110 pods each) whose kubelets play the pods bound to them.
	Nodes int
	// Storage is where the objects live: StorageMemory ("" too) or
	// StorageEtcd (see the package documentation).
	Storage string
	// EtcdServers are the client URLs of an etcd cluster for StorageEtcd
	// to use instead of starting one; plain HTTP, without authentication.
	EtcdServers []string
}

// New starts a server outside of a test; call Stop when done.
func New(ctx context.Context, opts Options) (*Server, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	bundle, err := pki.New(nil)
	if err != nil {
		return nil, err
	}
	controllers := opts.Controllers
	switch {
	case opts.WithoutControllers:
		controllers = nil
	case controllers == nil:
		controllers = []string{"*"}
	}
	st, cleanup, err := openStorage(ctx, opts)
	if err != nil {
		return nil, err
	}
	srv, err := server.Start(ctx, server.Config{Listen: "127.0.0.1:0", PKI: bundle, Log: opts.Log, Controllers: controllers,
		Kubelet: kubelet.Options{Nodes: opts.Nodes}, Storage: st})
	if err != nil {
		return nil, errors.Join(err, st.Close(), cleanup())
	}
	return &Server{srv: srv, pki: bundle, cleanup: cleanup}, nil
}

// RESTConfig returns a new client configuration for the server.
func (s *Server) RESTConfig() *rest.Config { return s.srv.RESTConfig() }

// URL is https://127.0.0.1:port.
func (s *Server) URL() string { return s.srv.URL() }

// WriteKubeconfig writes a kubeconfig for the server into dir and returns
// its path, for driving kubectl.
func (s *Server) WriteKubeconfig(dir string) (string, error) {
	data, err := s.pki.Kubeconfig(s.srv.URL())
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "kubeconfig")
	return path, os.WriteFile(path, data, 0o600)
}

// Stop shuts the server down and closes its storage.
func (s *Server) Stop(ctx context.Context) error {
	return errors.Join(s.srv.Shutdown(ctx), s.cleanup())
}
