package scheduler

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	resourcehelper "k8s.io/component-helpers/resource"
)

const (
	// defaultMilliCPURequest and defaultMemoryRequest stand in for a
	// container's missing cpu or memory request when scoring (upstream's
	// schedutil defaults), so that pods without requests still spread
	// instead of all scoring an empty node as equally good.
	defaultMilliCPURequest int64 = 100
	defaultMemoryRequest   int64 = 200 * 1024 * 1024
)

// nonMissingRequests is the list PodRequests substitutes for a container's
// missing cpu and memory requests when computing the scoring requests.
var nonMissingRequests = corev1.ResourceList{
	corev1.ResourceCPU:    *resource.NewMilliQuantity(defaultMilliCPURequest, resource.DecimalSI),
	corev1.ResourceMemory: *resource.NewQuantity(defaultMemoryRequest, resource.DecimalSI),
}

// podInfo is what the scheduler derives from a pod once: its requests,
// host ports, first owner and parsed inter-pod (anti-)affinity terms.
type podInfo struct {
	pod *corev1.Pod
	// req is what NodeResourcesFit checks: the containers' requests summed,
	// the init containers' maximum, sidecars and pod overhead included.
	req resources
	// nonZero is req with upstream's defaults for missing cpu and memory
	// requests, used only for scoring.
	nonZero resources
	ports   []hostPort
	// owner is the UID of the pod's first owner reference (not necessarily
	// its controller): upstream's spreading counts pods by exactly that.
	owner types.UID
	// antiAffinity and affinity are the required inter-pod terms.
	antiAffinity []affinityTerm
	affinity     []affinityTerm
}

// affinityTerm is a parsed required PodAffinityTerm.
type affinityTerm struct {
	namespaces  sets.Set[string]
	allNS       bool
	selector    labels.Selector
	topologyKey string
}

func newPodInfo(pod *corev1.Pod) *podInfo {
	p := &podInfo{
		pod:     pod,
		req:     newResources(resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})),
		nonZero: newResources(resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{NonMissingContainerRequests: nonMissingRequests})),
		ports:   podHostPorts(pod),
	}
	if len(pod.OwnerReferences) > 0 {
		p.owner = pod.OwnerReferences[0].UID
	}
	if a := pod.Spec.Affinity; a != nil {
		if a.PodAntiAffinity != nil {
			p.antiAffinity = newAffinityTerms(pod, a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution)
		}
		if a.PodAffinity != nil {
			p.affinity = newAffinityTerms(pod, a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution)
		}
	}
	return p
}

// newAffinityTerms parses terms. A term whose selector does not parse
// matches nothing (the API server validates selectors, so this is only
// defensive). Without a namespace informer, a namespaceSelector can only
// be honoured when it is empty ("every namespace").
func newAffinityTerms(pod *corev1.Pod, terms []corev1.PodAffinityTerm) []affinityTerm {
	out := make([]affinityTerm, 0, len(terms))
	for _, t := range terms {
		sel, err := metav1.LabelSelectorAsSelector(t.LabelSelector)
		if err != nil {
			sel = labels.Nothing()
		}
		term := affinityTerm{selector: sel, topologyKey: t.TopologyKey, namespaces: sets.New(t.Namespaces...)}
		switch {
		case t.NamespaceSelector != nil && len(t.NamespaceSelector.MatchLabels) == 0 && len(t.NamespaceSelector.MatchExpressions) == 0:
			term.allNS = true
		case len(t.Namespaces) == 0 && t.NamespaceSelector == nil:
			term.namespaces.Insert(pod.Namespace)
		}
		out = append(out, term)
	}
	return out
}

// matches tells whether pod is one the term selects.
func (t affinityTerm) matches(pod *corev1.Pod) bool {
	return (t.allNS || t.namespaces.Has(pod.Namespace)) && t.selector.Matches(labels.Set(pod.Labels))
}

// terminating tells whether a pod is being deleted: it still holds its
// node's resources and ports, but spreading no longer counts it.
func terminating(pod *corev1.Pod) bool { return pod.DeletionTimestamp != nil }

// terminal tells whether a pod has finished: it no longer holds anything.
func terminal(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}
