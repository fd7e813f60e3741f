// Package components is the one list of evictd's client-side components —
// controllers, scheduler, simulated kubelets — that `evictd serve`,
// `evictd controllers` and `evictd kubelet` start from.
package components

import (
	"github.com/evictd/evictd/internal/component"
	"github.com/evictd/evictd/internal/controller/daemonset"
	"github.com/evictd/evictd/internal/controller/deployment"
	"github.com/evictd/evictd/internal/controller/disruption"
	"github.com/evictd/evictd/internal/controller/endpoints"
	"github.com/evictd/evictd/internal/controller/endpointslice"
	"github.com/evictd/evictd/internal/controller/garbagecollector"
	"github.com/evictd/evictd/internal/controller/job"
	"github.com/evictd/evictd/internal/controller/kubernetesservice"
	"github.com/evictd/evictd/internal/controller/namespace"
	"github.com/evictd/evictd/internal/controller/nodelifecycle"
	"github.com/evictd/evictd/internal/controller/podgc"
	"github.com/evictd/evictd/internal/controller/replicaset"
	"github.com/evictd/evictd/internal/controller/rootcacert"
	"github.com/evictd/evictd/internal/controller/serviceaccount"
	"github.com/evictd/evictd/internal/controller/statefulset"
	"github.com/evictd/evictd/internal/controller/tainteviction"
	"github.com/evictd/evictd/internal/scheduler"
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

// Controllers are the controllers of kube-controller-manager, the
// scheduler and the API server's own "kubernetes" Service keeper that
// evictd runs, in start order. Each also answers to
// kube-controller-manager's names for it (canonical and aliases), so a
// --controllers list written for kube-controller-manager selects the same.
func Controllers(o Options) []component.Component {
	all := []component.Component{
		scheduler.Component(),
		disruption.Component(),
		replicaset.Component(),
		replicaset.ReplicationControllerComponent(),
		deployment.Component(),
		statefulset.Component(),
		daemonset.Component(),
		job.Component(),
		endpoints.Component(),
		endpointslice.Component(),
		garbagecollector.Component(),
		namespace.Component(),
		nodelifecycle.Component(),
		tainteviction.Component(),
		podgc.Component(),
		serviceaccount.Component(),
		rootcacert.Component(o.RootCA),
		kubernetesservice.Component(o.APIServerHost, o.APIServerPort),
	}
	for i := range all {
		all[i].Aliases = append(all[i].Aliases, kcmNames[all[i].Name]...)
	}
	return all
}

// kcmNames are kube-controller-manager's canonical names and old aliases
// (cmd/kube-controller-manager/names) for the components whose evictd name
// differs from them.
var kcmNames = map[string][]string{
	"disruption":             {"disruption-controller"},
	"replicaset":             {"replicaset-controller"},
	"replicationcontroller":  {"replicationcontroller-controller"},
	"deployment":             {"deployment-controller"},
	"statefulset":            {"statefulset-controller"},
	"daemonset":              {"daemonset-controller"},
	"job":                    {"job-controller"},
	"endpoints":              {"endpoints-controller", "endpoint"},
	"endpointslice":          {"endpointslice-controller"},
	"garbagecollector":       {"garbage-collector-controller"},
	"namespace":              {"namespace-controller"},
	"nodelifecycle":          {"node-lifecycle-controller"},
	"podgc":                  {"pod-garbage-collector-controller"},
	"serviceaccount":         {"serviceaccount-controller"},
	"root-ca-cert-publisher": {"root-ca-certificate-publisher-controller"},
}
