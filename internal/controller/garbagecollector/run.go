package garbagecollector

import (
	"context"

	"github.com/evictd/evictd/internal/component"
)

// Name is the component's name in --controllers.
const Name = "garbagecollector"

// Component is the garbage collector as a component: it watches every
// deletable resource through the shared metadata informers, resolves kinds
// with the shared mapper, and records events as
// "garbage-collector-controller".
func Component() component.Component {
	return component.Component{Name: Name, Run: run}
}

func run(ctx context.Context, cc *component.Context) error {
	gc, err := New(cc.Metadata, cc.MetadataInformers, cc.Mapper, cc.Discovery, cc.Recorder(EventComponent), cc.Clock,
		Options{StartInformers: cc.StartInformers, Log: cc.Log})
	if err != nil {
		return err
	}
	gc.Run(ctx)
	return nil
}
