package nodelifecycle

import (
	"context"

	"github.com/evictd/evictd/internal/component"
)

// Name is the component's name in --controllers, as kube-controller-manager's.
const Name = "nodelifecycle"

// eventComponent is the source of the controller's events, as upstream.
const eventComponent = "node-controller"

// Component is the node lifecycle controller with upstream's defaults.
func Component() component.Component {
	return component.Component{Name: Name, Run: func(ctx context.Context, cc *component.Context) error {
		c, err := New(cc.Client, cc.Informers, cc.Recorder(eventComponent), cc.Clock, Options{Log: cc.Log})
		if err != nil {
			return err
		}
		cc.StartInformers()
		c.Run(ctx)
		return nil
	}}
}
