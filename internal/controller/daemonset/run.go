package daemonset

import (
	"context"

	"github.com/evictd/evictd/internal/component"
)

const (
	// Name is the component's name in --controllers.
	Name = "daemonset"

	// EventComponent is the source of the controller's events, as
	// kube-controller-manager's.
	EventComponent = "daemonset-controller"

	// workers is kube-controller-manager's --concurrent-daemonset-syncs
	// default.
	workers = 2
)

// Component is the DaemonSet controller as a component of `evictd serve`
// and `evictd controllers`: two workers on the shared informers and clock,
// its events recorded as "daemonset-controller".
func Component() component.Component {
	return component.Component{Name: Name, Run: run}
}

func run(ctx context.Context, cc *component.Context) error {
	c, err := New(cc.Client, cc.Informers, cc.Recorder(EventComponent), cc.Clock, Options{Log: cc.Log})
	if err != nil {
		return err
	}
	cc.StartInformers()
	c.Run(ctx, workers)
	return nil
}
