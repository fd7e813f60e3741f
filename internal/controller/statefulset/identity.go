package statefulset

import (
	"fmt"
	"regexp"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// controllerKind is the kind in the ownerReferences the controller writes.
var controllerKind = appsv1.SchemeGroupVersion.WithKind("StatefulSet")

// statefulPodRegex splits a pod name into its set's name and ordinal.
var statefulPodRegex = regexp.MustCompile("(.*)-([0-9]+)$")

// parentAndOrdinal returns the set name and ordinal encoded in the pod's
// name, or ("", -1) when it has none.
func parentAndOrdinal(pod *corev1.Pod) (string, int) {
	sub := statefulPodRegex.FindStringSubmatch(pod.Name)
	if len(sub) < 3 {
		return "", -1
	}
	ordinal, err := strconv.ParseInt(sub[2], 10, 32)
	if err != nil {
		return "", -1
	}
	return sub[1], int(ordinal)
}

func ordinalOf(pod *corev1.Pod) int {
	_, ordinal := parentAndOrdinal(pod)
	return ordinal
}

// podName is <set>-<ordinal>: the stable identity of the ordinal's pod.
func podName(set *appsv1.StatefulSet, ordinal int) string {
	return fmt.Sprintf("%s-%d", set.Name, ordinal)
}

// isMemberOf reports whether pod's name says it belongs to set. Upstream
// claims only such pods, whatever else the selector matches.
func isMemberOf(set *appsv1.StatefulSet, pod *corev1.Pod) bool {
	parent, _ := parentAndOrdinal(pod)
	return parent == set.Name
}

// startOrdinal is spec.ordinals.start (StatefulSetStartOrdinal, GA in 1.31).
func startOrdinal(set *appsv1.StatefulSet) int {
	if set.Spec.Ordinals != nil {
		return int(set.Spec.Ordinals.Start)
	}
	return 0
}

// endOrdinal is the last ordinal the set should have, start-1 if none.
func endOrdinal(set *appsv1.StatefulSet) int {
	return startOrdinal(set) + int(*set.Spec.Replicas) - 1
}

func inOrdinalRange(set *appsv1.StatefulSet, pod *corev1.Pod) bool {
	o := ordinalOf(pod)
	return o >= startOrdinal(set) && o <= endOrdinal(set)
}

// updateIdentity writes the name, namespace and the pod-name and
// pod-index labels of the pod's ordinal.
func updateIdentity(set *appsv1.StatefulSet, pod *corev1.Pod) {
	ordinal := ordinalOf(pod)
	pod.Name = podName(set, ordinal)
	pod.Namespace = set.Namespace
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Labels[appsv1.StatefulSetPodNameLabel] = pod.Name
	pod.Labels[appsv1.PodIndexLabel] = strconv.Itoa(ordinal)
}

// identityMatches reports whether pod carries the identity of its ordinal.
func identityMatches(set *appsv1.StatefulSet, pod *corev1.Pod) bool {
	parent, ordinal := parentAndOrdinal(pod)
	return ordinal >= 0 && parent == set.Name && pod.Name == podName(set, ordinal) &&
		pod.Namespace == set.Namespace && pod.Labels != nil &&
		pod.Labels[appsv1.StatefulSetPodNameLabel] == pod.Name &&
		pod.Labels[appsv1.PodIndexLabel] == strconv.Itoa(ordinal)
}

// claimName is the PersistentVolumeClaim upstream would create for the
// template on the ordinal's pod: <template>-<set>-<ordinal>.
func claimName(set *appsv1.StatefulSet, claim *corev1.PersistentVolumeClaim, ordinal int) string {
	return fmt.Sprintf("%s-%s-%d", claim.Name, set.Name, ordinal)
}

// updateStorage points the pod's volume named after each
// volumeClaimTemplate at the ordinal's claim, adding the volume if the
// template's pod spec lacks it. The claims themselves are never created
// (see docs/statefulset.md): the pods keep upstream's volumes regardless.
func updateStorage(set *appsv1.StatefulSet, pod *corev1.Pod) {
	ordinal := ordinalOf(pod)
	for i := range set.Spec.VolumeClaimTemplates {
		claim := &set.Spec.VolumeClaimTemplates[i]
		vol := corev1.Volume{Name: claim.Name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claimName(set, claim, ordinal)},
		}}
		replaced := false
		for j := range pod.Spec.Volumes {
			if pod.Spec.Volumes[j].Name == claim.Name {
				pod.Spec.Volumes[j], replaced = vol, true
			}
		}
		if !replaced {
			pod.Spec.Volumes = append(pod.Spec.Volumes, vol)
		}
	}
}

// storageMatches reports whether every claim template's volume points at
// the ordinal's claim.
func storageMatches(set *appsv1.StatefulSet, pod *corev1.Pod) bool {
	ordinal := ordinalOf(pod)
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Spec.Volumes {
		volumes[v.Name] = v
	}
	for i := range set.Spec.VolumeClaimTemplates {
		claim := &set.Spec.VolumeClaimTemplates[i]
		v, ok := volumes[claim.Name]
		if !ok || v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != claimName(set, claim, ordinal) {
			return false
		}
	}
	return true
}

// newPod is the ordinal's pod from set's template: upstream's
// GetPodFromTemplate plus identity (hostname = pod name, subdomain =
// spec.serviceName) and storage.
func newPod(set *appsv1.StatefulSet, ordinal int) *corev1.Pod {
	t := set.Spec.Template.DeepCopy()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: podName(set, ordinal),
			// Upstream builds the pod with GenerateName "<set>-" before
			// naming it; real StatefulSet pods show both.
			GenerateName:    set.Name + "-",
			Labels:          t.Labels,
			Annotations:     t.Annotations,
			Finalizers:      t.Finalizers,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(set, controllerKind)},
		},
		Spec: t.Spec,
	}
	updateIdentity(set, pod)
	pod.Spec.Hostname = pod.Name
	pod.Spec.Subdomain = set.Spec.ServiceName
	updateStorage(set, pod)
	return pod
}
