package rootcacert

import (
	"context"

	"github.com/evictd/evictd/internal/component"
)

// Name is the component's name in --controllers.
const Name = "root-ca-cert-publisher"

// Component publishes caPEM (the API server's serving CA) as
// kube-root-ca.crt in every namespace, with one worker as upstream.
func Component(caPEM []byte) component.Component {
	return component.Component{Name: Name, Run: func(ctx context.Context, cc *component.Context) error {
		p, err := New(cc.Client, cc.Informers, caPEM, cc.Clock, Options{Log: cc.Log})
		if err != nil {
			return err
		}
		cc.StartInformers()
		p.Run(ctx, 1)
		return nil
	}}
}
