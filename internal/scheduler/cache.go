package scheduler

import (
	"maps"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// nodeCache is the scheduler's view of every node and the pods bound to it,
// including pods it has assumed (chosen a node for, binding under way)
// before the informer reports them bound — so consecutive scheduling
// cycles see each other's requests and nothing is over-committed, as
// upstream's scheduler cache. Terminal pods are not in it; terminating
// pods are, since they still hold their resources.
type nodeCache struct {
	mu    sync.Mutex
	nodes map[string]*nodeInfo
	// where maps each pod in the cache to its node's name.
	where   map[types.UID]string
	assumed map[types.UID]bool
	// order lists the known nodes, zone-interleaved; nil when it must be
	// rebuilt.
	order []*nodeInfo
}

func newNodeCache() *nodeCache {
	return &nodeCache{nodes: map[string]*nodeInfo{}, where: map[types.UID]string{}, assumed: map[types.UID]bool{}}
}

func (c *nodeCache) info(name string) *nodeInfo {
	n := c.nodes[name]
	if n == nil {
		n = newNodeInfo()
		c.nodes[name] = n
	}
	return n
}

// setNode adds or updates a node.
func (c *nodeCache) setNode(node *corev1.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.info(node.Name)
	if n.node == nil || zoneOf(n.node) != zoneOf(node) {
		c.order = nil
	}
	n.setNode(node)
}

// removeNode forgets a node; its pods stay accounted until they go.
func (c *nodeCache) removeNode(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.nodes[name]
	if !ok {
		return
	}
	n.node = nil
	if len(n.pods) == 0 {
		delete(c.nodes, name)
	}
	c.order = nil
}

// setPod adds or replaces a pod bound to pod.Spec.NodeName, confirming
// it if it was assumed.
func (c *nodeCache) setPod(pod *corev1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(pod.UID)
	c.addLocked(newPodInfo(pod), pod.Spec.NodeName)
}

// removePod drops a pod (deleted, terminal, or its binding failed).
func (c *nodeCache) removePod(uid types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(uid)
}

// assumeLocked counts p on node before the binding is confirmed. The
// caller holds c.mu.
func (c *nodeCache) assumeLocked(p *podInfo, node string) {
	c.addLocked(p, node)
	c.assumed[p.pod.UID] = true
}

// forget drops an assumed pod whose binding failed; a pod the informer
// has meanwhile reported bound stays.
func (c *nodeCache) forget(uid types.UID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.assumed[uid] {
		return false
	}
	c.removeLocked(uid)
	return true
}

// has tells whether a pod is already counted on a node (assumed or bound).
func (c *nodeCache) has(uid types.UID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.where[uid]
	return ok
}

func (c *nodeCache) addLocked(p *podInfo, node string) {
	c.info(node).addPod(p)
	c.where[p.pod.UID] = node
}

func (c *nodeCache) removeLocked(uid types.UID) {
	name, ok := c.where[uid]
	if !ok {
		return
	}
	delete(c.where, uid)
	delete(c.assumed, uid)
	n := c.nodes[name]
	n.removePod(uid)
	if n.node == nil && len(n.pods) == 0 {
		delete(c.nodes, name)
	}
}

// nodesLocked returns the known nodes in scheduling order. The caller
// holds c.mu.
func (c *nodeCache) nodesLocked() []*nodeInfo {
	if c.order == nil {
		c.order = zoneInterleaved(c.nodes)
	}
	return c.order
}

// zoneOf is the node's failure domain, region and zone.
func zoneOf(node *corev1.Node) string {
	return node.Labels[corev1.LabelTopologyRegion] + ":\x00:" + node.Labels[corev1.LabelTopologyZone]
}

// zoneInterleaved orders nodes round-robin across zones (each zone's
// nodes by name), as upstream's node tree does, so that a search that
// stops after enough feasible nodes still sees every zone.
func zoneInterleaved(nodes map[string]*nodeInfo) []*nodeInfo {
	byZone := map[string][]*nodeInfo{}
	longest := 0
	for _, n := range nodes {
		if n.node != nil {
			z := zoneOf(n.node)
			byZone[z] = append(byZone[z], n)
			longest = max(longest, len(byZone[z]))
		}
	}
	zones := slices.Sorted(maps.Keys(byZone))
	for _, z := range zones {
		slices.SortFunc(byZone[z], func(a, b *nodeInfo) int { return strings.Compare(a.node.Name, b.node.Name) })
	}
	out := []*nodeInfo{}
	for i := range longest {
		for _, z := range zones {
			if i < len(byZone[z]) {
				out = append(out, byZone[z][i])
			}
		}
	}
	return out
}
