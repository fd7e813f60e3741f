// Package server wires evictd together: storage, the API server with every
// resource of the registry, TLS and bearer-token authentication, and the
// start-up objects a cluster has (the four system namespaces). `evictd
// serve` and pkg/testserver both run a Server.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"

	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/managedfields"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/apiserver"
	"github.com/evictd/evictd/internal/component"
	"github.com/evictd/evictd/internal/components"
	"github.com/evictd/evictd/internal/eviction"
	"github.com/evictd/evictd/internal/kubelet"
	"github.com/evictd/evictd/internal/openapi"
	"github.com/evictd/evictd/internal/pki"
	"github.com/evictd/evictd/internal/scheme"
	"github.com/evictd/evictd/internal/storage"
	"github.com/evictd/evictd/internal/storage/memory"
)

// Config describes a Server.
type Config struct {
	// Listen is the address to serve HTTPS on (127.0.0.1:0 picks a port).
	Listen string
	// PKI holds the certificates and token; required.
	PKI *pki.Bundle
	// TokenFile adds the users of a static token file (--token-auth-file,
	// ReadTokenFile) to the admin token; nil adds none.
	TokenFile *TokenFile
	// Storage holds the objects; nil means a new in-memory store.
	Storage storage.Interface
	// MaxRequestsInflight and MaxMutatingRequestsInflight add up to the
	// seats API Priority and Fairness shares out (docs/flowcontrol.md); 0
	// means the kube-apiserver defaults (400 and 200), negative in either
	// turns flow control off.
	MaxRequestsInflight, MaxMutatingRequestsInflight int
	// Controllers selects the components (controllers and scheduler) run
	// inside the server as clients of its API, as kube-controller-manager's
	// --controllers does: "*" for all, "NAME", "-NAME"; empty runs none.
	Controllers []string
	// EvictionBackoff paces the eviction handler's conflict retries; zero
	// means upstream's (20 attempts, 500 ms apart).
	EvictionBackoff wait.Backoff
	// Kubelet, with Kubelet.Nodes > 0, runs that many simulated kubelets in
	// the process (whatever Controllers selects); they also serve pods/log.
	Kubelet kubelet.Options
	// Limits bound connections: timeouts and how many may be open.
	Limits Limits
	// LeaderElect runs the components (Controllers and the kubelets) only
	// while this server holds the Lease kube-system/evictd-controllers, as
	// kube-controller-manager's --leader-elect: of several servers on one
	// etcd, one runs them at a time (leaderelection.go).
	LeaderElect bool
	// LeaderElection times the election; zero fields take
	// kube-controller-manager's defaults.
	LeaderElection LeaderElection
	Clock          clock.WithTicker
	Log            *slog.Logger
}

// Server is a running evictd API server.
type Server struct {
	cfg      Config
	api      *apiserver.Server
	storage  storage.Interface
	listener net.Listener
	http     *http.Server
	served   chan error
	url      string
	stopOnce sync.Once
	// repairStop ends the cluster-IP repair loop and waits for it.
	repairStop func()
	// stopControllers ends the in-process controllers; controllers is
	// done when they have returned.
	stopControllers context.CancelFunc
	controllers     sync.WaitGroup
	// kubelets are the in-process simulated kubelets, if any.
	kubelets *kubelet.Simulator
	// election is set with Config.LeaderElect.
	election *election
	// drain refuses new requests once Shutdown begins and tells when
	// those in flight have finished.
	drain *drain
	// events counts the in-process components' event writes, which
	// bypass the network (eventsInProcess).
	events *drain
	// componentsToken authenticates the in-process components (auth.go).
	componentsToken string
	// errors logs what goes wrong outside any handler's answer (TLS
	// failures, panics, refused connections) at a bounded rate.
	errors *limitedLog
}

// typeConverter is built once per process, on first use, from the
// embedded copy of client-go's type schema (openapi.TypeConverter: a few
// ms, where client-go's own parse takes 100–280 ms of start-up). Should
// that copy ever fail to decode, client-go's parse is the fallback.
var typeConverter = sync.OnceValue(func() managedfields.TypeConverter {
	if tc, err := openapi.TypeConverter(scheme.Scheme); err == nil {
		return tc
	}
	return applyconfigurations.NewTypeConverter(scheme.Scheme)
})

// Start builds the server, creates the system namespaces and starts
// serving. It returns once the listener accepts connections.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.PKI == nil {
		return nil, errors.New("server: PKI is required")
	}
	if err := pki.CheckToken(cfg.PKI.Token); err != nil {
		return nil, fmt.Errorf("server: refusing to start: %w", err)
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	cfg.Limits = cfg.Limits.withDefaults()
	st := cfg.Storage
	if st == nil {
		st = memory.New(memory.Options{})
	}
	var sim *kubelet.Simulator
	var logs PodLogSource
	if cfg.Kubelet.Nodes > 0 {
		if err := cfg.Kubelet.Validate(); err != nil {
			return nil, err
		}
		sim = kubelet.New(cfg.Kubelet)
		logs = sim
	}
	// The stores come first, and the HTTP layer only serves them.
	stores, err := newStores(st, cfg.Clock, cfg.Log)
	if err != nil {
		return nil, err
	}
	evictor, err := newEvictor(stores, cfg)
	if err != nil {
		return nil, err
	}
	api, err := apiserver.New(apiserver.Config{
		Resources:    stores.served,
		AdmitCreate:  stores.namespaces.AdmitCreate,
		Subresources: subresources(bindPod(cfg.Clock), evictor.Handler, podLogs(logs)),
		Reviews:      reviews(cfg.Clock),
		Version:      Version(),
		OpenAPI:      openAPI(),
		Clock:        cfg.Clock,
		Log:          cfg.Log,
	})
	if err != nil {
		return nil, fmt.Errorf("build API server: %w", err)
	}
	if err := bootstrap(ctx, stores); err != nil {
		return nil, err
	}
	tlsConfig, err := cfg.PKI.TLSConfig()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	s := &Server{cfg: cfg, api: api, storage: st, served: make(chan error, 1), kubelets: sim, drain: newDrain(), events: newDrain(), errors: newLimitedLog(cfg.Log, cfg.Clock)}
	s.componentsToken = newComponentsToken()
	s.url = "https://" + dialAddress(ln.Addr())
	s.listener = newLimitListener(ln, cfg.Limits.MaxConnections, func(remote net.Addr, limit int) {
		s.errors.Log(slog.LevelWarn, "connections", "connection limit reached: closed a new connection",
			slog.Int("limit", limit), slog.String("remote", remote.String()))
	})
	s.http = s.newHTTPServer(tlsConfig)
	go func() { s.served <- s.http.ServeTLS(s.listener, "", "") }()
	s.startRepair(stores)
	s.startControllers()
	return s, nil
}

// newHTTPServer builds the HTTP server: request log and panic recovery
// outermost (so refused requests are logged too), then the shutdown
// drain, authentication,
// the write-timeout exemption of long-running requests, the in-flight
// limits and the API. Every timeout and limit comes from cfg.Limits.
func (s *Server) newHTTPServer(tlsConfig *tls.Config) *http.Server {
	cfg := s.cfg
	limited := apiserver.LimitInflight(s.api, apiserver.InflightOptions{
		ReadOnly:    inflight(cfg.MaxRequestsInflight, apiserver.DefaultMaxRequestsInflight),
		Mutating:    inflight(cfg.MaxMutatingRequestsInflight, apiserver.DefaultMaxMutatingRequestsInflight),
		LongRunning: isLongRunning,
		Clock:       cfg.Clock,
	})
	return &http.Server{
		Handler:           s.logRequests(drainRequests(s.drain, s.authenticate(newMetrics(s.storage, cfg.Clock).instrument(refuseUnsupported(exemptLongRunning(limited)))))),
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: cfg.Limits.ReadHeaderTimeout,
		IdleTimeout:       cfg.Limits.IdleTimeout,
		WriteTimeout:      cfg.Limits.WriteTimeout,
		HTTP2:             &http.HTTP2Config{MaxConcurrentStreams: cfg.Limits.MaxStreamsPerConnection},
		ErrorLog:          newHTTPErrorLog(s.errors),
	}
}

// startControllers runs the in-process controllers, scheduler and
// kubelets against the server's own API, exactly as they would run against
// any cluster. Their context is not the caller's: they live until
// Shutdown.
func (s *Server) startControllers() {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopControllers = cancel
	selected := func() []component.Component {
		selected, err := component.Select(components.Controllers(s.componentOptions()), s.cfg.Controllers)
		if err != nil {
			s.cfg.Log.Error("controllers not started", "err", err)
			return nil
		}
		if s.kubelets != nil {
			selected = append(selected, s.kubelets.Component())
		}
		return selected
	}
	first := selected()
	if len(first) == 0 {
		return
	}
	// The controllers get a transport of their own, whose idle connections
	// are closed when they stop: left open, each would hold Shutdown for
	// the HTTP/2 GOAWAY timeout (a second). Its token is theirs, which
	// flow control exempts.
	transport, err := rest.TransportFor(s.componentsRESTConfig())
	if err != nil {
		s.cfg.Log.Error("controllers not started", "err", err)
		return
	}
	// In-process clients are not rate limited: kube-apiserver exempts its
	// own loopback clients from fairness too.
	cfg := &rest.Config{Host: s.url, Transport: &eventsInProcess{next: transport, api: s.api, events: s.events}, QPS: -1}
	if s.cfg.LeaderElect {
		s.election = &election{identity: newIdentity()}
		s.controllers.Go(func() {
			defer utilnet.CloseIdleConnectionsFor(transport)
			s.runElected(ctx, cfg, selected)
		})
		return
	}
	cc, err := component.NewContext(cfg, component.Options{Clock: s.cfg.Clock, Log: s.cfg.Log})
	if err != nil {
		s.cfg.Log.Error("controllers not started", "err", err)
		return
	}
	s.controllers.Go(func() {
		defer utilnet.CloseIdleConnectionsFor(transport)
		component.Run(ctx, cc, first)
	})
}

// componentOptions tell the components what they know of this server.
func (s *Server) componentOptions() components.Options {
	host, port := splitHostPort(s.listener.Addr())
	return components.Options{RootCA: s.cfg.PKI.PodsCA(), APIServerHost: host, APIServerPort: port}
}

// inflight resolves a configured cap: 0 is the default, negative none.
func inflight(configured, def int) int {
	switch {
	case configured == 0:
		return def
	case configured < 0:
		return 0
	}
	return configured
}

// URL is https://host:port of the server.
func (s *Server) URL() string { return s.url }

// RESTConfig is a client-go configuration that reaches and trusts the server.
func (s *Server) RESTConfig() *rest.Config { return s.cfg.PKI.RESTConfig(s.url) }

// Kubelets are the in-process simulated kubelets; nil without nodes.
func (s *Server) Kubelets() *kubelet.Simulator { return s.kubelets }

// API is the API server, for in-process access to its stores.
func (s *Server) API() *apiserver.Server { return s.api }

// Shutdown stops the server gracefully, in kube-apiserver's order:
//
//  1. the in-process components stop while the API still serves them, so
//     that their last writes land;
//  2. every new request is refused with 429, Retry-After: 5 and
//     Connection: close (health checks excepted), and open watches end
//     with a clean end of stream;
//  3. the requests in flight finish, until ctx ends;
//  4. the listener closes (new connections are refused); the components'
//     last event writes, which go in-process (eventsInProcess), finish;
//     then the storage closes.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	s.stopOnce.Do(func() {
		s.stopControllers()
		s.controllers.Wait()
		idle := s.drain.close()
		s.api.Shutdown()
		select {
		case <-idle:
		case <-ctx.Done():
		}
		err = s.http.Shutdown(ctx)
		select {
		case <-s.events.close():
		case <-ctx.Done():
		}
		if serr := <-s.served; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		s.stopRepair()
		if cerr := s.storage.Close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
	})
	return err
}

// dialAddress turns a listener address into one clients can dial
// (a wildcard listener is reached through loopback).
func dialAddress(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// Version is what /version reports: the Kubernetes version whose API
// evictd serves (that of the k8s.io/api module it is built with).
func Version() version.Info {
	return version.Info{
		Major: "1", Minor: "37", GitVersion: "v1.37.2", GitTreeState: "clean",
		GoVersion: goVersion(), Compiler: "gc", Platform: platform(),
	}
}

// newEvictor builds the eviction handler over the pod and PDB stores.
func newEvictor(stores *stores, cfg Config) (*eviction.Evictor, error) {
	pods, err := stores.get(podsGVR)
	if err != nil {
		return nil, fmt.Errorf("eviction: %w", err)
	}
	pdbs, err := stores.get(policyv1.SchemeGroupVersion.WithResource("poddisruptionbudgets"))
	if err != nil {
		return nil, fmt.Errorf("eviction: %w", err)
	}
	return eviction.New(pods, pdbs, eviction.Options{Clock: cfg.Clock, Backoff: cfg.EvictionBackoff, Log: cfg.Log}), nil
}

// splitHostPort returns the host clients dial and the port of addr.
func splitHostPort(addr net.Addr) (string, int32) {
	host, port, err := net.SplitHostPort(dialAddress(addr))
	if err != nil {
		return "", 0
	}
	n, _ := strconv.ParseInt(port, 10, 32)
	return host, int32(n)
}
