package scheduler

import (
	"context"

	"github.com/evictd/evictd/internal/component"
)

// Name is the component's name in --controllers.
const Name = "scheduler"

// Component is the scheduler as a component of `evictd serve`: it uses
// the shared pod and node informers, the clientset and the clock, and
// records its events as "default-scheduler".
func Component() component.Component {
	return component.Component{Name: Name, Run: run}
}

func run(ctx context.Context, cc *component.Context) error {
	s, err := New(cc.Client, cc.Informers, cc.Recorder(SchedulerName), cc.Clock, Options{Log: cc.Log})
	if err != nil {
		return err
	}
	cc.StartInformers()
	s.Run(ctx)
	return nil
}
