package drain

import (
	"context"
	"errors"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
)

// errTimeout is the cause of a node's context ended by --timeout.
var errTimeout = errors.New("drain timeout reached")

// schemaEmpty is the method of deleting instead of evicting.
var schemaEmpty = schema.GroupVersion{}

// withTimeout is ctx ended by errTimeout after t on the drain's clock, so
// that a fake or accelerated clock times the drain out as it times
// everything else.
func (d *Drainer) withTimeout(ctx context.Context, t time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	timer := d.clock.NewTimer(t)
	go func() { // ends with ctx, which the returned cancel ends
		select {
		case <-timer.C():
			cancel(errTimeout)
		case <-ctx.Done():
			timer.Stop()
		}
	}()
	return ctx, func() { cancel(context.Canceled) }
}

// waitSynced waits for informers to list.
func waitSynced(ctx context.Context, synced ...cache.InformerSynced) bool {
	return cache.WaitForCacheSync(ctx.Done(), synced...)
}

// startFactory starts factory's informers until the returned stop, which
// ends them and waits until they have: the drain owns their goroutines.
func startFactory(ctx context.Context, factory informers.SharedInformerFactory) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	factory.Start(ctx.Done())
	return func() {
		cancel()
		factory.Shutdown()
	}
}
