package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"

	"github.com/evictd/evictd/internal/component"
)

// Lease that the in-process components hold while they run with
// Config.LeaderElect.
const (
	LeaseNamespace = "kube-system"
	LeaseName      = "evictd-controllers"
)

// LeaderElection times the election on the Lease, with
// kube-controller-manager's meanings; zero fields take its defaults.
type LeaderElection struct {
	// LeaseDuration is how long a follower waits, after the holder's last
	// renewal it saw, before it takes the lease (default 15 s).
	LeaseDuration time.Duration
	// RenewDeadline is how long the holder keeps retrying a renewal before
	// it gives up leadership (default 10 s).
	RenewDeadline time.Duration
	// RetryPeriod is the wait between attempts to acquire or renew
	// (default 2 s).
	RetryPeriod time.Duration
}

func (l LeaderElection) withDefaults() LeaderElection {
	if l.LeaseDuration == 0 {
		l.LeaseDuration = 15 * time.Second
	}
	if l.RenewDeadline == 0 {
		l.RenewDeadline = 10 * time.Second
	}
	if l.RetryPeriod == 0 {
		l.RetryPeriod = 2 * time.Second
	}
	return l
}

// Validate refuses timings the election cannot run with, naming the
// kube-controller-manager flag: every duration positive, the lease
// duration longer than the renew deadline, and the renew deadline longer
// than a retry period with its jitter (client-go's rules).
func (l LeaderElection) Validate() error {
	l = l.withDefaults()
	switch {
	case l.LeaseDuration < 0 || l.RenewDeadline < 0 || l.RetryPeriod < 0:
		return errors.New("--leader-elect-lease-duration, --leader-elect-renew-deadline and --leader-elect-retry-period must be positive")
	case l.LeaseDuration <= l.RenewDeadline:
		return fmt.Errorf("--leader-elect-lease-duration (%v) must be greater than --leader-elect-renew-deadline (%v)", l.LeaseDuration, l.RenewDeadline)
	case float64(l.RenewDeadline) <= leaderelection.JitterFactor*float64(l.RetryPeriod):
		return fmt.Errorf("--leader-elect-renew-deadline (%v) must be greater than %v × --leader-elect-retry-period (%v)", l.RenewDeadline, leaderelection.JitterFactor, l.RetryPeriod)
	}
	return nil
}

// election is the server's side of the leader election.
type election struct {
	identity string
	// leading is set while this server holds the lease and runs the
	// components.
	leading atomic.Bool
}

// newIdentity is the holder identity, as kube-controller-manager builds
// it: the host name and a random suffix, unique per process.
func newIdentity() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "evictd"
	}
	return host + "_" + rand.Text()
}

// Leading tells whether this server holds the Lease and runs the
// in-process components (always false without Config.LeaderElect).
func (s *Server) Leading() bool { return s.election != nil && s.election.leading.Load() }

// runElected runs the components only while this server holds the Lease
// kube-system/evictd-controllers. Losing it stops them; the server then
// campaigns again, until ctx ends. On ctx's end the lease is released, so
// that another server takes over at once. The election runs on real time:
// client-go's leaderelection takes no injected clock.
func (s *Server) runElected(ctx context.Context, cfg *rest.Config, selected func() []component.Component) {
	timing := s.cfg.LeaderElection.withDefaults()
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		s.cfg.Log.Error("controllers not started: leader election client", "err", err)
		return
	}
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: LeaseNamespace, Name: LeaseName},
		Client:     client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: s.election.identity},
	}
	for ctx.Err() == nil {
		done := make(chan struct{})
		var started atomic.Bool
		le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock:            lock,
			LeaseDuration:   timing.LeaseDuration,
			RenewDeadline:   timing.RenewDeadline,
			RetryPeriod:     timing.RetryPeriod,
			ReleaseOnCancel: true,
			Name:            LeaseName,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(lctx context.Context) {
					defer close(done)
					started.Store(true)
					s.election.leading.Store(true)
					defer s.election.leading.Store(false)
					s.cfg.Log.Info("became leader", "lease", LeaseNamespace+"/"+LeaseName, "identity", s.election.identity)
					s.runComponents(lctx, cfg, selected())
				},
				OnStoppedLeading: func() {
					if started.Load() {
						s.cfg.Log.Info("lost leadership", "lease", LeaseNamespace+"/"+LeaseName, "identity", s.election.identity)
					}
				},
			},
		})
		if err != nil {
			s.cfg.Log.Error("controllers not started: leader election", "err", err)
			return
		}
		// Run returns when the lease is lost or ctx ends; the components
		// it started in a goroutine of its own stop with its context and
		// are waited for here, before any new campaign.
		le.Run(ctx)
		if started.Load() {
			<-done
		}
	}
}

// runComponents runs the selected components until ctx ends, each time
// on a new Context: a Context runs once.
func (s *Server) runComponents(ctx context.Context, cfg *rest.Config, selected []component.Component) {
	if len(selected) == 0 {
		<-ctx.Done()
		return
	}
	cc, err := component.NewContext(cfg, component.Options{Clock: s.cfg.Clock, Log: s.cfg.Log})
	if err != nil {
		s.cfg.Log.Error("controllers not started", "err", err)
		<-ctx.Done()
		return
	}
	component.Run(ctx, cc, selected)
}
