package job

import (
	"context"

	"github.com/evictd/evictd/internal/component"
)

// workers is kube-controller-manager's --concurrent-job-syncs default.
const workers = 5

// Component is the Job controller.
func Component() component.Component {
	return component.Component{Name: Name, Run: func(ctx context.Context, cc *component.Context) error {
		c, err := New(cc.Client, cc.Informers, cc.Recorder(eventComponent), cc.Clock, cc.Log)
		if err != nil {
			return err
		}
		cc.StartInformers()
		c.Run(ctx, workers)
		return nil
	}}
}
