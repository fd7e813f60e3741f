package endpoints

import (
	"context"

	"github.com/evictd/evictd/internal/component"
)

// Name is the component's name in --controllers.
const Name = "endpoints"

// Component is the Endpoints controller as a component: DefaultWorkers
// workers on the shared informers and clock, events from
// "endpoint-controller".
func Component() component.Component {
	return component.Component{Name: Name, Run: run}
}

func run(ctx context.Context, cc *component.Context) error {
	c, err := New(cc.Client, cc.Informers, cc.Recorder(EventComponent), cc.Clock, Options{Log: cc.Log})
	if err != nil {
		return err
	}
	cc.StartInformers()
	c.Run(ctx, DefaultWorkers)
	return nil
}
