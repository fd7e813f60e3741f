package pod

import corev1 "k8s.io/api/core/v1"

// qosResources are the resources the QoS class looks at.
var qosResources = []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory}

// qosClass computes a pod's quality-of-service class as kube-apiserver does
// on create (pkg/apis/core/helper/qos ComputePodQOS): BestEffort when no
// container requests or limits CPU or memory, Guaranteed when every
// container limits both and the summed requests equal the summed limits,
// Burstable otherwise. Pod-level resources, when they name CPU or memory,
// decide alone. Ephemeral containers cannot have resources and are ignored.
func qosClass(pod *corev1.Pod) corev1.PodQOSClass {
	requests, limits := corev1.ResourceList{}, corev1.ResourceList{}
	guaranteed := true
	if r := pod.Spec.Resources; r != nil && hasQOSResource(r) {
		addQOSQuantities(requests, r.Requests)
		if len(r.Limits) > 0 {
			guaranteed = addQOSQuantities(limits, r.Limits)
		}
	} else {
		for _, list := range [][]corev1.Container{pod.Spec.Containers, pod.Spec.InitContainers} {
			for _, c := range list {
				addQOSQuantities(requests, c.Resources.Requests)
				if !addQOSQuantities(limits, c.Resources.Limits) {
					guaranteed = false
				}
			}
		}
	}
	if len(requests) == 0 && len(limits) == 0 {
		return corev1.PodQOSBestEffort
	}
	for name, req := range requests {
		if lim, ok := limits[name]; !ok || lim.Cmp(req) != 0 {
			guaranteed = false
		}
	}
	if guaranteed && len(requests) == len(limits) {
		return corev1.PodQOSGuaranteed
	}
	return corev1.PodQOSBurstable
}

// addQOSQuantities adds the positive CPU and memory quantities of list to
// sum and reports whether list had both.
func addQOSQuantities(sum, list corev1.ResourceList) (both bool) {
	found := 0
	for _, name := range qosResources {
		q, ok := list[name]
		if !ok || q.Sign() <= 0 {
			continue
		}
		found++
		total := q.DeepCopy()
		if prev, ok := sum[name]; ok {
			total.Add(prev)
		}
		sum[name] = total
	}
	return found == len(qosResources)
}

// hasQOSResource reports whether pod-level resources name CPU or memory.
func hasQOSResource(r *corev1.ResourceRequirements) bool {
	for _, name := range qosResources {
		if _, ok := r.Requests[name]; ok {
			return true
		}
		if _, ok := r.Limits[name]; ok {
			return true
		}
	}
	return false
}
