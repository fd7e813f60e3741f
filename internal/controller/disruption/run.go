package disruption

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/scale"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
)

const (
	// minResyncPeriod is kube-controller-manager's --min-resync-period:
	// informers resync at a random period in [12h, 24h), which re-runs every
	// PDB sync (and so picks up owners' scale changes that no pod event
	// announced).
	minResyncPeriod = 12 * time.Hour

	// mapperResetPeriod is how often the discovery cache behind the RESTMapper
	// and scale client is dropped, so owners of kinds installed later (CRDs)
	// resolve, as kube-controller-manager does every 30 s.
	mapperResetPeriod = 30 * time.Second
)

// Run builds everything the disruption controller needs from cfg — a
// clientset, an informer factory, a discovery-backed RESTMapper and scale
// client, an event recorder writing core/v1 Events as "controllermanager"
// — runs it on clk with one PDB worker, and returns once ctx has ended and
// every goroutine it started has stopped. It is the entry point of
// `evictd serve` and `evictd controllers`. log may be nil.
func Run(ctx context.Context, cfg *rest.Config, clk clock.WithTicker, log *slog.Logger) error {
	if clk == nil {
		clk = clock.RealClock{}
	}
	if log == nil {
		log = slog.Default()
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("disruption controller clientset: %w", err)
	}
	cachedDiscovery := memory.NewMemCacheClient(client.Discovery())
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(cachedDiscovery)
	scales, err := scale.NewForConfig(cfg, mapper, dynamic.LegacyAPIPathResolverFunc, scale.NewDiscoveryScaleKindResolver(cachedDiscovery))
	if err != nil {
		return fmt.Errorf("disruption controller scale client: %w", err)
	}

	broadcaster := record.NewBroadcaster(record.WithContext(ctx), record.WithCorrelatorOptions(record.CorrelatorOptions{Clock: clk}))
	defer broadcaster.Shutdown()
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	recorder := broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: EventComponent})

	resync := minResyncPeriod + rand.N(minResyncPeriod)
	factory := informers.NewSharedInformerFactory(client, resync)
	defer factory.Shutdown() // waits for the informers' goroutines
	c, err := New(client, factory, scales, mapper, recorder, clk, Options{Discovery: cachedDiscovery, Log: log})
	if err != nil {
		return err
	}
	factory.Start(ctx.Done())

	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { resetPeriodically(ctx, clk, mapper) })
	c.Run(ctx, 1)
	return nil
}

// resetPeriodically drops the discovery cache every mapperResetPeriod until
// ctx ends.
func resetPeriodically(ctx context.Context, clk clock.WithTicker, mapper *restmapper.DeferredDiscoveryRESTMapper) {
	t := clk.NewTicker(mapperResetPeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
			mapper.Reset()
		}
	}
}
