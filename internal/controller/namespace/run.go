package namespace

import (
	"context"

	"github.com/evictd/evictd/internal/component"
)

// Name is the component's name in --controllers.
const Name = "namespace"

// Component is the namespace controller as a component. Discovery is live
// (not the shared cache), as upstream, so that a resource installed a
// moment ago is emptied too.
func Component() component.Component {
	return component.Component{Name: Name, Run: run}
}

func run(ctx context.Context, cc *component.Context) error {
	c, err := New(cc.Client, cc.Metadata, cc.Client.Discovery().ServerPreferredNamespacedResources,
		cc.Informers.Core().V1().Namespaces(), cc.Clock, Options{Log: cc.Log})
	if err != nil {
		return err
	}
	cc.StartInformers()
	c.Run(ctx)
	return nil
}
