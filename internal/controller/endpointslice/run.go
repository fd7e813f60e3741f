package endpointslice

import (
	"context"

	"github.com/evictd/evictd/internal/component"
)

// Name is the component's name in --controllers.
const Name = "endpointslice"

// Component is the EndpointSlice controller as a component: DefaultWorkers
// workers, DefaultMaxEndpointsPerSlice per slice, on the shared informers
// and clock, events from "endpoint-slice-controller".
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
