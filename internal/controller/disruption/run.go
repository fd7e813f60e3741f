package disruption

import (
	"context"

	"github.com/evictd/evictd/internal/component"
)

// Name is the component's name in --controllers.
const Name = "disruption"

// Component is the disruption controller as a component of `evictd serve`
// and `evictd controllers`: one PDB worker, as upstream, on the shared
// informers, mapper, scale client and clock, its events recorded as
// "controllermanager".
func Component() component.Component {
	return component.Component{Name: Name, Run: run}
}

func run(ctx context.Context, cc *component.Context) error {
	c, err := New(cc.Client, cc.Informers, cc.Scales, cc.Mapper, cc.Recorder(EventComponent), cc.Clock,
		Options{Discovery: cc.Discovery, Log: cc.Log})
	if err != nil {
		return err
	}
	cc.StartInformers()
	c.Run(ctx, 1)
	return nil
}
