package replicaset

import (
	"context"

	"github.com/evictd/evictd/internal/component"
)

// Names of the components in --controllers.
const (
	Name   = "replicaset"
	RCName = "replicationcontroller"
)

// Component is the ReplicaSet controller as a component of `evictd serve`
// and `evictd controllers`: DefaultWorkers workers on the shared informers
// and clock, its events recorded as "replicaset-controller".
func Component() component.Component {
	return component.Component{Name: Name, Run: func(ctx context.Context, cc *component.Context) error {
		c, err := New(cc.Client, cc.Informers, cc.Recorder(EventComponent), cc.Clock, Options{Log: cc.Log})
		if err != nil {
			return err
		}
		cc.StartInformers()
		c.Run(ctx, DefaultWorkers)
		return nil
	}}
}

// ReplicationControllerComponent is the ReplicationController manager as a
// component: the same controller over ReplicationControllers, its events
// recorded as "replication-controller".
func ReplicationControllerComponent() component.Component {
	return component.Component{Name: RCName, Run: func(ctx context.Context, cc *component.Context) error {
		c, err := NewReplicationManager(cc.Client, cc.Informers, cc.Recorder(RCEventComponent), cc.Clock, Options{Log: cc.Log})
		if err != nil {
			return err
		}
		cc.StartInformers()
		c.Run(ctx, DefaultWorkers)
		return nil
	}}
}
