package scheduler

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// nodeInfo is a node and what the pods bound (or assumed) to it hold.
type nodeInfo struct {
	// node is nil while the node is unknown but pods already name it.
	node *corev1.Node
	pods map[types.UID]*podInfo
	// requested sums the pods' requests; nonZero the same with the
	// scoring defaults for missing cpu and memory.
	requested resources
	nonZero   resources
	// allocatable and allowedPods come from node.status.allocatable.
	allocatable resources
	allowedPods int64
	ports       portSet
	// owners counts the node's non-terminating pods by first owner UID.
	owners map[types.UID]int
	// withAntiAffinity lists the pods that carry required anti-affinity
	// terms, which every incoming pod must respect (symmetry).
	withAntiAffinity map[types.UID]*podInfo
}

func newNodeInfo() *nodeInfo {
	return &nodeInfo{
		pods:             map[types.UID]*podInfo{},
		ports:            portSet{},
		owners:           map[types.UID]int{},
		withAntiAffinity: map[types.UID]*podInfo{},
	}
}

func (n *nodeInfo) setNode(node *corev1.Node) {
	n.node = node
	n.allocatable = newResources(node.Status.Allocatable)
	n.allowedPods = node.Status.Allocatable.Pods().Value()
}

func (n *nodeInfo) addPod(p *podInfo) {
	n.pods[p.pod.UID] = p
	n.account(p, 1)
}

func (n *nodeInfo) removePod(uid types.UID) {
	if p, ok := n.pods[uid]; ok {
		delete(n.pods, uid)
		n.account(p, -1)
	}
}

// account adds (sign 1) or removes (sign -1) p's share of the node.
func (n *nodeInfo) account(p *podInfo, sign int64) {
	n.requested.add(p.req, sign)
	n.nonZero.add(p.nonZero, sign)
	for _, hp := range p.ports {
		n.ports.add(hp, int(sign))
	}
	if p.owner != "" && !terminating(p.pod) {
		n.owners[p.owner] += int(sign)
		if n.owners[p.owner] == 0 {
			delete(n.owners, p.owner)
		}
	}
	if len(p.antiAffinity) > 0 {
		if sign > 0 {
			n.withAntiAffinity[p.pod.UID] = p
		} else {
			delete(n.withAntiAffinity, p.pod.UID)
		}
	}
}

// label returns the node's value for a topology key.
func (n *nodeInfo) label(key string) (string, bool) {
	v, ok := n.node.Labels[key]
	return v, ok
}
