package plan

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	resourcehelper "k8s.io/component-helpers/resource"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"
)

// simNode is a node and what its pods hold, as the fit check needs it.
// internal/scheduler keeps its filters unexported, so this is a small fit
// check of its own: unschedulable, node readiness, taints and tolerations,
// nodeSelector and required node affinity, host ports, pod count, cpu and
// memory. Inter-pod affinity and topology spread are not checked.
type simNode struct {
	node     *corev1.Node
	target   bool
	milliCPU int64
	memory   int64
	pods     int64
	ports    map[string]bool // "TCP/80" and "TCP/10.0.0.1/80"
}

func newSimNode(n *corev1.Node) *simNode {
	return &simNode{node: n, ports: map[string]bool{}}
}

// add accounts pod's requests and host ports on the node.
func (n *simNode) add(pod *corev1.Pod) {
	req := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})
	n.milliCPU += req.Cpu().MilliValue()
	n.memory += req.Memory().Value()
	n.pods++
	for _, p := range hostPorts(pod) {
		n.ports[p] = true
	}
}

// fits returns "" when pod can be scheduled on n, else the scheduler's
// reason.
func (n *simNode) fits(pod *corev1.Pod) string {
	switch {
	case n.target:
		return "cordoned for the drain"
	case n.node.Spec.Unschedulable:
		return "node(s) were unschedulable"
	case !nodeReady(n.node):
		return "node(s) were not ready"
	}
	_, untolerated := corev1helpers.FindMatchingUntoleratedTaint(klog.Background(), n.node.Spec.Taints, pod.Spec.Tolerations,
		func(t *corev1.Taint) bool {
			return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
		}, false)
	if untolerated {
		return "node(s) had untolerated taint(s)"
	}
	if ok, err := nodeaffinity.GetRequiredNodeAffinity(pod).Match(n.node); !ok || err != nil {
		return "node(s) didn't match Pod's node affinity/selector"
	}
	for _, p := range hostPorts(pod) {
		if n.portTaken(p) {
			return "node(s) didn't have free ports for the requested pod ports"
		}
	}
	alloc := n.node.Status.Allocatable
	req := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})
	switch {
	case n.pods+1 > alloc.Pods().Value():
		return "Too many pods"
	case n.milliCPU+req.Cpu().MilliValue() > alloc.Cpu().MilliValue():
		return "Insufficient cpu"
	case n.memory+req.Memory().Value() > alloc.Memory().Value():
		return "Insufficient memory"
	}
	return ""
}

// load is how full the node is, for spreading replacements the way the
// scheduler's least-allocated scoring does.
func (n *simNode) load() float64 {
	alloc := n.node.Status.Allocatable
	var f float64
	if c := alloc.Cpu().MilliValue(); c > 0 {
		f += float64(n.milliCPU) / float64(c)
	}
	if m := alloc.Memory().Value(); m > 0 {
		f += float64(n.memory) / float64(m)
	}
	if p := alloc.Pods().Value(); p > 0 {
		f += float64(n.pods) / float64(p)
	}
	return f
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// hostPorts lists pod's host ports as "PROTO/IP/PORT" (IP 0.0.0.0 when
// unset).
func hostPorts(pod *corev1.Pod) []string {
	var out []string
	for _, c := range append(slices.Clone(pod.Spec.InitContainers), pod.Spec.Containers...) {
		for _, p := range c.Ports {
			if p.HostPort <= 0 {
				continue
			}
			proto, ip := p.Protocol, p.HostIP
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			if ip == "" {
				ip = "0.0.0.0"
			}
			out = append(out, fmt.Sprintf("%s/%s/%d", proto, ip, p.HostPort))
		}
	}
	return out
}

// portTaken tells whether host port p ("PROTO/IP/PORT") collides with
// one in use: same protocol and port, and the same address or either one
// the wildcard 0.0.0.0.
func (n *simNode) portTaken(p string) bool {
	proto, ip, port := splitPort(p)
	for used := range n.ports {
		uproto, uip, uport := splitPort(used)
		if uproto == proto && uport == port && (uip == ip || uip == "0.0.0.0" || ip == "0.0.0.0") {
			return true
		}
	}
	return false
}

func splitPort(p string) (proto, ip, port string) {
	parts := strings.SplitN(p, "/", 3)
	return parts[0], parts[1], parts[2]
}

// place picks the least loaded node that fits pod; the reason summary
// when none does.
func place(nodes []*simNode, pod *corev1.Pod) (*simNode, string) {
	var best *simNode
	reasons := map[string]int{}
	for _, n := range nodes {
		if r := n.fits(pod); r != "" {
			reasons[r]++
			continue
		}
		if best == nil || n.load() < best.load() {
			best = n
		}
	}
	if best != nil {
		return best, ""
	}
	parts := make([]string, 0, len(reasons))
	for r, c := range reasons {
		parts = append(parts, fmt.Sprintf("%d %s", c, r))
	}
	slices.Sort(parts)
	return nil, fmt.Sprintf("0/%d nodes are available: %s", len(nodes), strings.Join(parts, ", "))
}
