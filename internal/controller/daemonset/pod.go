package daemonset

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// templateGenerationLabel is the deprecated label (extensions/v1beta1's
// DaemonSetTemplateGenerationKey) upstream still puts on daemon pods.
const templateGenerationLabel = "pod-template-generation"

func readyCondition(pod *corev1.Pod) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == corev1.PodReady {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

func isReady(pod *corev1.Pod) bool {
	c := readyCondition(pod)
	return c != nil && c.Status == corev1.ConditionTrue
}

// isAvailable is podutil.IsPodAvailable: Ready, and Ready for more than
// minReadySeconds by the Ready condition's lastTransitionTime.
func isAvailable(pod *corev1.Pod, minReadySeconds int32, now time.Time) bool {
	if !isReady(pod) {
		return false
	}
	if minReadySeconds == 0 {
		return true
	}
	c := readyCondition(pod)
	return !c.LastTransitionTime.IsZero() && c.LastTransitionTime.Add(time.Duration(minReadySeconds)*time.Second).Before(now)
}

func isTerminal(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodFailed || pod.Status.Phase == corev1.PodSucceeded
}

// targetNodeName is the node a daemon pod is for: spec.nodeName once
// bound, before that the metadata.name In [node] term of its required node
// affinity.
func targetNodeName(pod *corev1.Pod) (string, error) {
	if pod.Spec.NodeName != "" {
		return pod.Spec.NodeName, nil
	}
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return "", errors.New("no spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution")
	}
	for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		for _, req := range term.MatchFields {
			if req.Key == metav1.ObjectNameField && req.Operator == corev1.NodeSelectorOpIn {
				if len(req.Values) != 1 {
					return "", errors.New("the metadata.name node affinity term names several nodes")
				}
				return req.Values[0], nil
			}
		}
	}
	return "", errors.New("no metadata.name node affinity term")
}

// sortByCreation orders a node's daemon pods bound ones first, then oldest
// first, then by name (upstream's podByCreationTimestampAndPhase).
func sortByCreation(pods []*corev1.Pod) {
	slices.SortFunc(pods, func(a, b *corev1.Pod) int {
		if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
			if a.Spec.NodeName != "" {
				return -1
			}
			return 1
		}
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.CreationTimestamp.Compare(b.CreationTimestamp.Time)
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// templateGeneration is the set's deprecated.daemonset.template.generation
// annotation, nil if missing or not a number.
func templateGeneration(set *appsv1.DaemonSet) *int64 {
	v, ok := set.Annotations[appsv1.DeprecatedTemplateGeneration]
	if !ok {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil
	}
	return &n
}

// isUpdated: the pod's controller-revision-hash is the set's current hash,
// or (pods of old controllers) its pod-template-generation label is the
// set's template generation.
func isUpdated(pod *corev1.Pod, hash string, generation *int64) bool {
	byGeneration := generation != nil && pod.Labels[templateGenerationLabel] == strconv.FormatInt(*generation, 10)
	byHash := hash != "" && pod.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] == hash
	return byHash || byGeneration
}
