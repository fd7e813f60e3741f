// Package components is the one list of evictd's client-side components —
// controllers, scheduler, simulated kubelets — that `evictd serve`,
// `evictd controllers` and `evictd kubelet` start from.
package components

import (
	"github.com/evictd/evictd/internal/component"
	"github.com/evictd/evictd/internal/controller/disruption"
)

// Options carries what some components must know of the cluster.
type Options struct {
	// RootCA is the PEM CA bundle published as kube-root-ca.crt.
	RootCA []byte
	// APIServerHost and APIServerPort are where the "kubernetes" Service's
	// endpoints point.
	APIServerHost string
	APIServerPort int32
}

// Controllers are the controllers of kube-controller-manager, and the
// scheduler, that evictd runs, in start order.
func Controllers(_ Options) []component.Component {
	return []component.Component{
		disruption.Component(),
	}
}
