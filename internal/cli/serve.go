package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/evictd/evictd/internal/pki"
	"github.com/evictd/evictd/internal/server"
)

// shutdownGrace bounds how long serve waits for in-flight requests on exit.
const shutdownGrace = 10 * time.Second

// memoryStoreNote is said at start-up: nothing survives a restart (until
// a durable store exists), and a user must not find that out by losing
// work.
const memoryStoreNote = "in memory only: every object is lost when evictd stops"

type serveOptions struct {
	listen        string
	dataDir       string
	kubeconfigOut string
	kubelet       kubeletFlags
	maxInflight   int
	maxMutating   int
	controllers   []string
}

func newServe(stdout io.Writer, logger func() *slog.Logger) *cobra.Command {
	o := serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the API server (HTTPS, bearer token) and write a kubeconfig for it",
		Long: `serve runs evictd's Kubernetes API server with an in-memory store.

Every object (pods, nodes, deployments, budgets…) lives in memory only and
is lost when serve stops: a restart begins with an empty cluster.

It keeps its CA, serving certificate and token in --data-dir (reused on
restart, so kubeconfigs stay valid) and writes a kubeconfig to
--kubeconfig-out that kubectl and client-go can use at once.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), o, stdout, logger())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:6443", "address to serve HTTPS on")
	f.StringVar(&o.dataDir, "data-dir", ".evictd", "directory for the CA, serving certificate and token (objects are not kept: they live in memory)")
	f.StringVar(&o.kubeconfigOut, "kubeconfig-out", "evictd.kubeconfig", "where to write the kubeconfig")
	f.IntVar(&o.maxInflight, "max-requests-inflight", 400, "maximum read-only requests served at once (429 beyond; watches are not counted); 0 for no limit")
	f.IntVar(&o.maxMutating, "max-mutating-requests-inflight", 200, "maximum mutating requests served at once (429 beyond); 0 for no limit")
	o.controllers = []string{"*"}
	addControllersFlag(cmd, &o.controllers)
	o.kubelet.add(f, 3)
	return cmd
}

func runServe(ctx context.Context, o serveOptions, stdout io.Writer, log *slog.Logger) error {
	host, _, err := net.SplitHostPort(o.listen)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", o.listen, err)
	}
	bundle, err := pki.LoadOrCreate(o.dataDir, []string{host}, log)
	if err != nil {
		return fmt.Errorf("data dir %s: %w", o.dataDir, err)
	}
	kubeletOpts, err := o.kubelet.options()
	if err != nil {
		return err
	}
	srv, err := server.Start(ctx, server.Config{
		Listen: o.listen, PKI: bundle, Log: log, Controllers: o.controllers, Kubelet: kubeletOpts,
		MaxRequestsInflight: noLimitIsNegative(o.maxInflight), MaxMutatingRequestsInflight: noLimitIsNegative(o.maxMutating),
	})
	if err != nil {
		return err
	}
	kubeconfig, err := bundle.Kubeconfig(srv.URL())
	if err != nil {
		return err
	}
	if err := pki.WriteFileAtomic(o.kubeconfigOut, kubeconfig, 0o600); err != nil {
		return err
	}
	abs, _ := filepath.Abs(o.kubeconfigOut)
	log.Info("serving", "url", srv.URL(), "kubeconfig", abs, "dataDir", o.dataDir, "store", memoryStoreNote)
	fmt.Fprintf(stdout, "evictd is serving on %s; use it with: export KUBECONFIG=%s\nThe store is %s.\n", srv.URL(), abs, memoryStoreNote)
	<-ctx.Done()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	_ = os.Stdout.Sync()
	return nil
}

// noLimitIsNegative maps the flags' "0 = no limit" (kube-apiserver's
// meaning) to server.Config's "negative = no limit".
func noLimitIsNegative(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
