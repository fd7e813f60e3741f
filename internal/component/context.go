package component

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/scale"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
)

const (
	// minResyncPeriod is kube-controller-manager's --min-resync-period:
	// informers resync at a random period in [12h, 24h).
	minResyncPeriod = 12 * time.Hour

	// mapperResetPeriod is how often the discovery cache behind the
	// RESTMapper and scale client is dropped, so kinds installed later
	// resolve, as kube-controller-manager does every 30 s.
	mapperResetPeriod = 30 * time.Second
)

// Context is what every component shares. Build it once with NewContext;
// components never build clients or informers of their own.
type Context struct {
	// Config reaches the API server; components needing another client
	// (a different content type) copy it.
	Config *rest.Config
	// Client is the one clientset.
	Client kubernetes.Interface
	// Informers is the one typed informer factory: a component asks it for
	// the informers it needs before calling StartInformers.
	Informers informers.SharedInformerFactory
	// Metadata and MetadataInformers serve components that watch every
	// resource's metadata (the garbage collector).
	Metadata          metadata.Interface
	MetadataInformers metadatainformer.SharedInformerFactory
	// Dynamic reaches any resource.
	Dynamic dynamic.Interface
	// Discovery is cached; Mapper and Scales are built on it and reset
	// every 30 s.
	Discovery discovery.CachedDiscoveryInterface
	Mapper    *restmapper.DeferredDiscoveryRESTMapper
	Scales    scale.ScalesGetter
	// Clock is the one clock of every component (a fake one in tests).
	Clock clock.WithTicker
	// Log is the logger; the one a component gets from Run already says
	// component=NAME.
	Log *slog.Logger

	events record.EventBroadcaster
	stop   chan struct{}
	// ran is set by the first Run: a Context's informers and broadcaster
	// cannot be restarted once stopped. A pointer: the copies forComponent
	// makes share it.
	ran *atomic.Bool
}

// Options tunes NewContext; the zero value is valid.
type Options struct {
	// Clock defaults to the real clock.
	Clock clock.WithTicker
	// Log defaults to slog.Default().
	Log *slog.Logger
	// ResyncPeriod of the informers; zero means a random period in
	// [12h, 24h) as kube-controller-manager.
	ResyncPeriod time.Duration
}

// NewContext builds the shared clients, informer factories and event
// broadcaster for cfg. Informers start when a component calls
// StartInformers; Run shuts everything down.
func NewContext(cfg *rest.Config, opts Options) (*Context, error) {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.ResyncPeriod == 0 {
		opts.ResyncPeriod = minResyncPeriod + rand.N(minResyncPeriod)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("clientset: %w", err)
	}
	meta, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("metadata client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("dynamic client: %w", err)
	}
	cached := memory.NewMemCacheClient(client.Discovery())
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(cached)
	scales, err := scale.NewForConfig(cfg, mapper, dynamic.LegacyAPIPathResolverFunc, scale.NewDiscoveryScaleKindResolver(cached))
	if err != nil {
		return nil, fmt.Errorf("scale client: %w", err)
	}
	// No context is given to the broadcaster: one that ended would shut it
	// down on its own, racing Run. Run starts and stops it.
	events := record.NewBroadcaster(record.WithCorrelatorOptions(record.CorrelatorOptions{Clock: opts.Clock}))
	return &Context{
		Config:            cfg,
		Client:            client,
		Informers:         informers.NewSharedInformerFactory(client, opts.ResyncPeriod),
		Metadata:          meta,
		MetadataInformers: metadatainformer.NewSharedInformerFactory(meta, opts.ResyncPeriod),
		Dynamic:           dyn,
		Discovery:         cached,
		Mapper:            mapper,
		Scales:            scales,
		Clock:             opts.Clock,
		Log:               opts.Log,
		events:            events,
		stop:              make(chan struct{}),
		ran:               new(atomic.Bool),
	}, nil
}

// Recorder returns an event recorder whose events name component as their
// source (kube-controller-manager's controllers use names such as
// "replicaset-controller"; the scheduler "default-scheduler").
func (c *Context) Recorder(component string) record.EventRecorder {
	return c.events.NewRecorder(scheme.Scheme, corev1.EventSource{Component: component})
}

// NodeRecorder returns an event recorder for a kubelet: source component
// "kubelet", host node.
func (c *Context) NodeRecorder(node string) record.EventRecorder {
	return c.events.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "kubelet", Host: node})
}

// StartInformers starts every informer requested so far (it may be called
// again after more are requested). They stop when Run returns.
func (c *Context) StartInformers() {
	c.Informers.Start(c.stop)
	c.MetadataInformers.Start(c.stop)
}

// resetMapper drops the discovery cache every mapperResetPeriod until ctx
// ends.
func (c *Context) resetMapper(ctx context.Context) {
	t := c.Clock.NewTicker(mapperResetPeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
			c.Mapper.Reset()
		}
	}
}

// forComponent is the Context one component runs with: the same clients,
// informers, broadcaster and clock, and a logger that names the component
// once on every line (components add no name of their own).
func (c *Context) forComponent(name string) *Context {
	cc := *c
	cc.Log = c.Log.With("component", name)
	return &cc
}

// startRecording sends the recorded events to the API server's Events.
func (c *Context) startRecording() {
	c.events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: c.Client.CoreV1().Events("")})
}

// shutdown stops the informers and waits for them, then the broadcaster.
func (c *Context) shutdown() {
	close(c.stop)
	c.Informers.Shutdown()
	c.MetadataInformers.Shutdown()
	c.events.Shutdown()
}
