// Package components is the one list of evictd's client-side components —
// controllers, scheduler, simulated kubelets — that `evictd serve`,
// `evictd controllers` and `evictd kubelet` start from.
package components

import (
	"github.com/evictd/evictd/internal/component"
	"github.com/evictd/evictd/internal/controller/disruption"
)

// Controllers are the controllers of kube-controller-manager that evictd
// runs, in start order.
func Controllers() []component.Component {
	return []component.Component{
		disruption.Component(),
	}
}
