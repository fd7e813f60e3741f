package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/evictd/evictd/internal/pki"
	"github.com/evictd/evictd/internal/server"
	"github.com/evictd/evictd/internal/storage"
	"github.com/evictd/evictd/internal/storage/cache"
	"github.com/evictd/evictd/internal/storage/etcd"
	"github.com/evictd/evictd/internal/storage/memory"
)

// shutdownGrace bounds how long serve waits for in-flight requests on exit.
const shutdownGrace = 10 * time.Second

// memoryStoreNote is said at start-up: nothing survives a restart (until
// a durable store exists), and a user must not find that out by losing
// work.
const memoryStoreNote = "in memory only: every object is lost when evictd stops"

type serveOptions struct {
	storage       storageFlags
	listen        string
	dataDir       string
	kubeconfigOut string
	kubelet       kubeletFlags
	maxInflight   int
	maxMutating   int
	controllers   []string
	leaderElect   bool
	election      server.LeaderElection
	// tlsCertFile, tlsKeyFile and tokenAuthFile are kube-apiserver's
	// --tls-cert-file, --tls-private-key-file and --token-auth-file.
	tlsCertFile, tlsKeyFile, tokenAuthFile string
}

func newServe(stdout io.Writer, logger func() *slog.Logger) *cobra.Command {
	o := serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the API server (HTTPS, bearer token) and write a kubeconfig for it",
		Long: `serve runs evictd's Kubernetes API server.

By default (--storage=memory) every object (pods, nodes, deployments,
budgets…) lives in memory only and is lost when serve stops: a restart
begins with an empty cluster. --storage=etcd-embedded keeps the objects in
an etcd running inside the process, with its data in --data-dir/etcd, so
they survive restarts; --etcd-servers uses an external etcd cluster, as
kube-apiserver does (--etcd-cafile, --etcd-certfile, --etcd-keyfile,
--etcd-prefix have kube-apiserver's meaning).

It keeps its CA, serving certificate and token in --data-dir (reused on
restart, so kubeconfigs stay valid) and writes a kubeconfig to
--kubeconfig-out that kubectl and client-go can use at once.
--tls-cert-file with --tls-private-key-file, and --token-auth-file, have
kube-apiserver's meaning: servers on one etcd given the same files accept
the same clients without sharing --data-dir.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.storage.resolve(cmd.Flags()); err != nil {
				return err
			}
			if (o.tlsCertFile == "") != (o.tlsKeyFile == "") {
				return errors.New("--tls-cert-file and --tls-private-key-file: set both or neither")
			}
			// Several servers share an external etcd: elect one to run the
			// components, unless told otherwise.
			if !cmd.Flags().Changed("leader-elect") {
				o.leaderElect = o.storage.backend == storageEtcd
			}
			if o.leaderElect {
				if err := o.election.Validate(); err != nil {
					return err
				}
			}
			return runServe(cmd.Context(), o, stdout, logger())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:6443", "address to serve HTTPS on")
	f.StringVar(&o.dataDir, "data-dir", ".evictd", "directory for the CA, serving certificate and token, and etcd's data with --storage=etcd-embedded")
	o.storage.add(f)
	f.StringVar(&o.tlsCertFile, "tls-cert-file", "", "serve this PEM certificate (its CA certificates, if any, after it) instead of the one the data dir's CA issues, as kube-apiserver; with --tls-private-key-file")
	f.StringVar(&o.tlsKeyFile, "tls-private-key-file", "", "the PEM private key of --tls-cert-file")
	f.StringVar(&o.tokenAuthFile, "token-auth-file", "", `kube-apiserver's static token file: CSV lines token,user,uid,"group1,group2" whose tokens authenticate as those users, besides the data dir's admin token`)
	f.StringVar(&o.kubeconfigOut, "kubeconfig-out", "evictd.kubeconfig", "where to write the kubeconfig")
	f.IntVar(&o.maxInflight, "max-requests-inflight", 400, "with --max-mutating-requests-inflight, the requests served at once: as kube-apiserver with API Priority and Fairness, their sum is shared out between priority levels, and a request beyond its level's share queues fairly for up to 15 s before a 429 (watches are not counted; docs/flowcontrol.md); 0 for no limit")
	f.IntVar(&o.maxMutating, "max-mutating-requests-inflight", 200, "added to --max-requests-inflight for the server's total concurrency (see there); 0 for no limit")
	o.controllers = []string{"*"}
	addControllersFlag(cmd, &o.controllers)
	o.kubelet.add(f, 3)
	f.BoolVar(&o.leaderElect, "leader-elect", false, "run the controllers, scheduler and kubelets only while holding the Lease kube-system/evictd-controllers, as kube-controller-manager, so that of several servers on one etcd exactly one runs them (default true with --etcd-servers or --storage=etcd)")
	f.DurationVar(&o.election.LeaseDuration, "leader-elect-lease-duration", 15*time.Second, "how long a non-leader waits, after the leader's last renewal it saw, before taking the lease")
	f.DurationVar(&o.election.RenewDeadline, "leader-elect-renew-deadline", 10*time.Second, "how long the leader retries renewing before it stops its components; less than the lease duration")
	f.DurationVar(&o.election.RetryPeriod, "leader-elect-retry-period", 2*time.Second, "the wait between attempts to acquire or renew the lease")
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
	trustNote, err := o.useServingFiles(bundle)
	if err != nil {
		return err
	}
	var tokens *server.TokenFile
	if o.tokenAuthFile != "" {
		if tokens, err = server.ReadTokenFile(o.tokenAuthFile, log); err != nil {
			return fmt.Errorf("--token-auth-file: %w", err)
		}
	}
	kubeletOpts, err := o.kubelet.options()
	if err != nil {
		return err
	}
	st, storeNote, err := o.storage.open(ctx, o.dataDir, log)
	if err != nil {
		return err
	}
	srv, err := server.Start(ctx, server.Config{
		Listen: o.listen, PKI: bundle, TokenFile: tokens, Log: log, Controllers: o.controllers, Kubelet: kubeletOpts, Storage: st,
		MaxRequestsInflight: noLimitIsNegative(o.maxInflight), MaxMutatingRequestsInflight: noLimitIsNegative(o.maxMutating),
		LeaderElect: o.leaderElect, LeaderElection: o.election,
	})
	if err != nil {
		_ = st.Close()
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
	log.Info("serving", "url", srv.URL(), "kubeconfig", abs, "dataDir", o.dataDir, "store", storeNote)
	fmt.Fprintf(stdout, "evictd is serving on %s; use it with: export KUBECONFIG=%s\nThe store is %s.\n", srv.URL(), abs, storeNote)
	if trustNote != "" {
		log.Info("serving certificate from --tls-cert-file", "file", o.tlsCertFile, "kubeconfigTrusts", trustNote)
		fmt.Fprintf(stdout, "The certificate is %s; the kubeconfig trusts %s.\n", o.tlsCertFile, trustNote)
	}
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

// useServingFiles serves --tls-cert-file and --tls-private-key-file, if
// given, instead of the data dir's serving certificate, and says what the
// written kubeconfig trusts to verify it.
func (o serveOptions) useServingFiles(bundle *pki.Bundle) (string, error) {
	if o.tlsCertFile == "" {
		return "", nil
	}
	certPEM, err := os.ReadFile(o.tlsCertFile)
	if err != nil {
		return "", fmt.Errorf("--tls-cert-file: %w", err)
	}
	keyPEM, err := os.ReadFile(o.tlsKeyFile)
	if err != nil {
		return "", fmt.Errorf("--tls-private-key-file: %w", err)
	}
	anchor, err := bundle.UseServingCert(certPEM, keyPEM)
	if err != nil {
		return "", fmt.Errorf("--tls-cert-file %s, --tls-private-key-file %s: %w", o.tlsCertFile, o.tlsKeyFile, err)
	}
	return anchor.String(), nil
}

// noLimitIsNegative maps the flags' "0 = no limit" (kube-apiserver's
// meaning) to server.Config's "negative = no limit".
func noLimitIsNegative(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// The --storage values.
const (
	storageMemory       = "memory"
	storageEtcdEmbedded = "etcd-embedded"
	storageEtcd         = "etcd" // external, chosen by --etcd-servers
)

// storageFlags choose the storage backend, with kube-apiserver's names for
// the etcd flags.
type storageFlags struct {
	backend                   string
	servers                   []string
	caFile, certFile, keyFile string
	prefix                    string
}

func (o *storageFlags) add(f *pflag.FlagSet) {
	f.StringVar(&o.backend, "storage", storageMemory, "where objects live: memory (lost when serve stops), etcd-embedded (an etcd inside the process, data in --data-dir/etcd), or etcd (an external cluster, see --etcd-servers)")
	f.StringSliceVar(&o.servers, "etcd-servers", nil, "external etcd members' client URLs, comma separated (implies --storage=etcd)")
	f.StringVar(&o.caFile, "etcd-cafile", "", "CA file verifying the external etcd's serving certificates")
	f.StringVar(&o.certFile, "etcd-certfile", "", "client certificate for the external etcd (with --etcd-keyfile)")
	f.StringVar(&o.keyFile, "etcd-keyfile", "", "client key for the external etcd (with --etcd-certfile)")
	f.StringVar(&o.prefix, "etcd-prefix", etcd.DefaultPrefix, "prefix of every key evictd writes in etcd")
}

// resolve checks the combination of flags and settles the backend:
// --etcd-servers alone means an external etcd, and a flag that the chosen
// backend would ignore is refused rather than ignored.
func (o *storageFlags) resolve(f *pflag.FlagSet) error {
	if len(o.servers) > 0 && !f.Changed("storage") {
		o.backend = storageEtcd
	}
	switch o.backend {
	case storageMemory, storageEtcdEmbedded, storageEtcd:
	default:
		return fmt.Errorf("--storage=%s: want %s, %s or %s", o.backend, storageMemory, storageEtcdEmbedded, storageEtcd)
	}
	if o.backend == storageEtcd && len(o.servers) == 0 {
		return fmt.Errorf("--storage=%s needs --etcd-servers", storageEtcd)
	}
	if o.backend != storageEtcd {
		for _, name := range []string{"etcd-servers", "etcd-cafile", "etcd-certfile", "etcd-keyfile"} {
			if f.Changed(name) {
				return fmt.Errorf("--%s is for an external etcd; it cannot be combined with --storage=%s", name, o.backend)
			}
		}
	}
	if o.backend == storageMemory && f.Changed("etcd-prefix") {
		return fmt.Errorf("--etcd-prefix is for etcd storage; it cannot be combined with --storage=%s", storageMemory)
	}
	if o.backend == storageEtcd {
		return o.client(nil).Validate()
	}
	return nil
}

func (o *storageFlags) client(log *slog.Logger) etcd.ClientConfig {
	return etcd.ClientConfig{Servers: o.servers, CAFile: o.caFile, CertFile: o.certFile, KeyFile: o.keyFile, Log: log}
}

// withWatchCache puts the watch cache in front of etcd, as kube-apiserver
// runs with --watch-cache: lists and watches from memory, one etcd watch
// per resource. Closing the cache closes the store.
func withWatchCache(st *etcd.Store, log *slog.Logger) storage.Interface {
	return cache.New(st, cache.Options{Log: log})
}

// open builds the chosen backend and says in a phrase where objects live.
func (o *storageFlags) open(ctx context.Context, dataDir string, log *slog.Logger) (storage.Interface, string, error) {
	cfg := etcd.Config{Prefix: o.prefix, Log: log}
	switch o.backend {
	case storageEtcdEmbedded:
		dir := filepath.Join(dataDir, "etcd")
		st, err := etcd.OpenEmbedded(ctx, etcd.EmbeddedConfig{Dir: dir, Log: log}, cfg)
		if err != nil {
			return nil, "", err
		}
		return withWatchCache(st, log), "in an embedded etcd in " + dir + ": objects survive restarts", nil
	case storageEtcd:
		st, err := etcd.OpenExternal(ctx, o.client(log), cfg)
		if err != nil {
			return nil, "", err
		}
		return withWatchCache(st, log), "in etcd at " + strings.Join(o.servers, ",") + " under " + st.Prefix(), nil
	}
	return memory.New(memory.Options{}), memoryStoreNote, nil
}
