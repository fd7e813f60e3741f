package kubelet

import (
	"context"

	"k8s.io/client-go/tools/record"

	"github.com/evictd/evictd/internal/component"
)

// Name is the component's name in --controllers.
const Name = "kubelet"

// Component runs the simulated kubelets on the shared clientset, pod and
// node informers and clock, recording events as "kubelet" on each node.
// It refuses invalid Options.
func (s *Simulator) Component() component.Component {
	return component.Component{Name: Name, Run: s.run}
}

func (s *Simulator) run(ctx context.Context, cc *component.Context) error {
	if err := s.opts.Validate(); err != nil {
		return err
	}
	recorder := func(node string) record.EventRecorder { return cc.NodeRecorder(node) }
	c, err := newController(s, cc.Client, cc.Informers, cc.Clock, recorder, cc.Log)
	if err != nil {
		return err
	}
	cc.StartInformers()
	c.run(ctx)
	return nil
}
