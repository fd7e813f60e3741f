// Package component is the home of evictd's client-side parts — the
// controllers, the scheduler and the simulated kubelets. Each is a named
// Component whose Run takes one shared Context: one clientset, one informer
// factory (so every component shares one pod cache and one watch), one
// RESTMapper and scale client, one event broadcaster, one clock and one
// logger. `evictd serve`, `evictd controllers` and `evictd kubelet` all start
// components through Run.
package component

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Component is one named part of the control plane.
type Component struct {
	// Name is what --controllers selects (replicaset, scheduler, kubelet…).
	Name string
	// Run registers the component's informers on c.Informers, calls
	// c.StartInformers, and works until ctx ends; it returns once every
	// goroutine it started has stopped. An error before ctx ends stops
	// only this component (and is logged).
	Run func(ctx context.Context, c *Context) error
	// DisabledByDefault leaves the component out of "*" (as
	// kube-controller-manager's --controllers does for some controllers).
	DisabledByDefault bool
	// Aliases are other names --controllers accepts for it, such as
	// kube-controller-manager's canonical "replicaset-controller".
	Aliases []string
}

// Run starts every component in its own goroutine on the shared c, and
// returns when ctx has ended and all of them have returned. It owns the
// event broadcaster's whole life: recording to the API starts before any
// component can emit an event, and the broadcaster is shut down last,
// after every component and informer has stopped. A Context runs once: a
// second Run would start a watcher on a stopped broadcaster (klog's
// "Unable start event watcher … broadcaster already stopped", which a
// broadcaster shut down by an already-ended context used to print when a
// test server stopped right after starting).
func Run(ctx context.Context, c *Context, components []Component) {
	if !c.ran.CompareAndSwap(false, true) {
		c.Log.Error("components not started: this Context has already run, its informers and event broadcaster are stopped",
			"components", Names(components))
		return
	}
	c.startRecording()
	var wg sync.WaitGroup
	wg.Go(func() { c.resetMapper(ctx) })
	for _, comp := range components {
		wg.Go(func() {
			cc := c.forComponent(comp.Name)
			log := cc.Log
			log.Debug("starting")
			err := comp.Run(ctx, cc)
			switch {
			case err != nil && !errors.Is(err, context.Canceled):
				log.Error("component stopped", "err", err)
			default:
				log.Debug("stopped")
			}
		})
	}
	wg.Wait()
	c.shutdown()
}

// Names lists the components' names in order.
func Names(components []Component) []string {
	names := make([]string, len(components))
	for i, c := range components {
		names[i] = c.Name
	}
	return names
}

// Find returns the component called name, or having name as an alias.
func Find(components []Component, name string) (Component, error) {
	for _, c := range components {
		if c.Name == name || slices.Contains(c.Aliases, name) {
			return c, nil
		}
	}
	return Component{}, fmt.Errorf("unknown component %q (known: %v)", name, Names(components))
}
