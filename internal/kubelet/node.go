package kubelet

import (
	"crypto/sha256"
	"fmt"
	"net/netip"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// KubeletVersion is what the nodes report in nodeInfo.
	KubeletVersion = "v1.37.2"
	// kubeletPort is the daemon endpoint nodes advertise (upstream's default).
	kubeletPort = 10250
	// region is every node's topology.kubernetes.io/region.
	region = "region-1"
	// instanceType is every node's node.kubernetes.io/instance-type.
	instanceType = "evictd.sim"
)

// ephemeralStorage is each node's ephemeral-storage capacity.
var ephemeralStorage = resource.MustParse("100Gi")

// node is one simulated node: its fixed addresses and what its heartbeat
// remembers between syncs.
type node struct {
	name  string
	index int
	ip    string       // InternalIP: 172.16.0.0/12 + index
	cidr  netip.Prefix // pod range: 10.<index/256>.<index%256>.0/24

	mu         sync.Mutex
	pods       *ipPool
	stopped    bool
	registered bool                  // the Node was found or created once
	next       time.Time             // when the next heartbeat is due
	lease      *coordinationv1.Lease // last one written, for the next renewal
	lastReport time.Time             // last status patch
}

func newNode(name string, index int) *node {
	ip := netip.AddrFrom4([4]byte{172, byte(16 + index>>16), byte(index >> 8), byte(index)})
	cidr := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(index >> 8), byte(index), 0}), 24)
	return &node{name: name, index: index, ip: ip.String(), cidr: cidr, pods: newIPPool(cidr)}
}

// object is the Node a kubelet registers.
func (n *node) object(o Options, now time.Time) *corev1.Node {
	labels := map[string]string{}
	for k, v := range o.Labels {
		labels[k] = v
	}
	labels[corev1.LabelHostname] = n.name
	labels[corev1.LabelOSStable] = "linux"
	labels[corev1.LabelArchStable] = "amd64"
	labels[corev1.LabelTopologyZone] = "zone-" + string(rune('a'+(n.index-1)%o.Zones))
	labels[corev1.LabelTopologyRegion] = region
	labels[corev1.LabelInstanceTypeStable] = instanceType
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: n.name, Labels: labels},
		Spec: corev1.NodeSpec{
			PodCIDR:  n.cidr.String(),
			PodCIDRs: []string{n.cidr.String()},
			// A providerID keeps cloud node controllers from deleting the
			// node as unknown to their cloud (a kwok lesson).
			ProviderID: "evictd://" + n.name,
		},
		Status: n.status(o, nil, now),
	}
}

// status is the node status the kubelet reports now; conditions keep their
// lastTransitionTime from cur when their status is unchanged.
func (n *node) status(o Options, cur *corev1.NodeStatus, now time.Time) corev1.NodeStatus {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              o.CPU,
		corev1.ResourceMemory:           o.Memory,
		corev1.ResourcePods:             o.Pods,
		corev1.ResourceEphemeralStorage: ephemeralStorage,
	}
	id := fmt.Sprintf("%x", sha256.Sum256([]byte(n.name)))[:32]
	return corev1.NodeStatus{
		Capacity:    capacity,
		Allocatable: capacity.DeepCopy(),
		Conditions:  nodeConditions(cur, now),
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: n.ip},
			{Type: corev1.NodeHostName, Address: n.name},
		},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: kubeletPort}},
		NodeInfo: corev1.NodeSystemInfo{
			MachineID:               id,
			SystemUUID:              id,
			BootID:                  id,
			KernelVersion:           "6.8.0-evictd",
			OSImage:                 "evictd simulated node",
			ContainerRuntimeVersion: "containerd://2.1.0",
			KubeletVersion:          KubeletVersion,
			OperatingSystem:         "linux",
			Architecture:            "amd64",
		},
	}
}

// nodeConditions are upstream's healthy-kubelet conditions, in its order,
// with its reasons and messages.
func nodeConditions(cur *corev1.NodeStatus, now time.Time) []corev1.NodeCondition {
	want := []corev1.NodeCondition{
		{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory", Message: "kubelet has sufficient memory available"},
		{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasNoDiskPressure", Message: "kubelet has no disk pressure"},
		{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientPID", Message: "kubelet has sufficient PID available"},
		{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "kubelet is posting ready status"},
	}
	ts := stamp(now)
	for i := range want {
		want[i].LastHeartbeatTime, want[i].LastTransitionTime = ts, ts
		if cur == nil {
			continue
		}
		for _, c := range cur.Conditions {
			if c.Type == want[i].Type && c.Status == want[i].Status {
				want[i].LastTransitionTime = c.LastTransitionTime
			}
		}
	}
	return want
}

// stamp is t as written into objects: whole seconds, as metav1.Time
// serializes, so what is read back compares equal to what was written.
func stamp(t time.Time) metav1.Time { return metav1.NewTime(t.Truncate(time.Second).UTC()) }
