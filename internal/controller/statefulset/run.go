package statefulset

import (
	"context"

	"github.com/evictd/evictd/internal/component"
)

const (
	// Name is the component's name in --controllers.
	Name = "statefulset"

	// EventComponent is the source of the controller's events, as
	// kube-controller-manager's.
	EventComponent = "statefulset-controller"

	// workers is kube-controller-manager's --concurrent-statefulset-syncs
	// default.
	workers = 5
)

// Component is the StatefulSet controller as a component of `evictd serve`
// and `evictd controllers`: five workers on the shared informers and clock,
// its events recorded as "statefulset-controller".
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
