package podgc

import (
	"context"

	"github.com/evictd/evictd/internal/component"
)

// Component is the pod garbage collector with upstream's defaults.
func Component() component.Component {
	return component.Component{Name: Name, Run: func(ctx context.Context, cc *component.Context) error {
		c, err := New(cc.Client, cc.Informers, cc.Clock, 0, cc.Log)
		if err != nil {
			return err
		}
		cc.StartInformers()
		c.Run(ctx)
		return nil
	}}
}
