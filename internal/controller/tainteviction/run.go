package tainteviction

import (
	"context"

	"github.com/evictd/evictd/internal/component"
)

// workers matches upstream's eight eviction workers.
const workers = 8

// Component is the taint eviction controller.
func Component() component.Component {
	return component.Component{Name: Name, Run: func(ctx context.Context, cc *component.Context) error {
		c, err := New(cc.Client, cc.Informers, cc.Recorder(Name), cc.Clock, cc.Log)
		if err != nil {
			return err
		}
		cc.StartInformers()
		c.Run(ctx, workers)
		return nil
	}}
}
