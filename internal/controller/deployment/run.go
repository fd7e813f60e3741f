package deployment

import (
	"context"

	"github.com/evictd/evictd/internal/component"
)

// Name is the component's name in --controllers.
const Name = "deployment"

// Component is the Deployment controller as a component of `evictd serve`
// and `evictd controllers`: Workers workers on the shared Deployment,
// ReplicaSet and pod informers and the shared clock, its events recorded
// as "deployment-controller".
func Component() component.Component {
	return component.Component{Name: Name, Run: run}
}

func run(ctx context.Context, cc *component.Context) error {
	c, err := New(cc.Client, cc.Informers, cc.Recorder(EventComponent), cc.Clock, Options{Log: cc.Log})
	if err != nil {
		return err
	}
	cc.StartInformers()
	c.Run(ctx, Workers)
	return nil
}
