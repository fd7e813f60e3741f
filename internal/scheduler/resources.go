package scheduler

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// resources is a vector of the quantities NodeResourcesFit compares, in
// the units upstream uses (millicores, bytes, counts).
type resources struct {
	milliCPU  int64
	memory    int64
	ephemeral int64
	// scalar holds extended resources (example.com/gpu) and hugepages.
	scalar map[corev1.ResourceName]int64
}

func newResources(list corev1.ResourceList) resources {
	var r resources
	for name, q := range list {
		switch name {
		case corev1.ResourceCPU:
			r.milliCPU = q.MilliValue()
		case corev1.ResourceMemory:
			r.memory = q.Value()
		case corev1.ResourceEphemeralStorage:
			r.ephemeral = q.Value()
		case corev1.ResourcePods:
			// A count, kept apart as nodeInfo.allowedPods.
		default:
			if scalarResource(name) {
				if r.scalar == nil {
					r.scalar = map[corev1.ResourceName]int64{}
				}
				r.scalar[name] = q.Value()
			}
		}
	}
	return r
}

// scalarResource tells whether name is an extended or prefixed native
// resource (any name with a domain), a hugepages size or an
// attachable-volumes count: the names upstream treats as plain counters.
func scalarResource(name corev1.ResourceName) bool {
	s := string(name)
	switch {
	case strings.HasPrefix(s, corev1.ResourceHugePagesPrefix), strings.HasPrefix(s, corev1.ResourceAttachableVolumesPrefix):
		return true
	case !strings.Contains(s, "/"):
		return false
	}
	return !strings.HasPrefix(s, corev1.DefaultResourceRequestsPrefix)
}

// add adds (sign 1) or subtracts (sign -1) o.
func (r *resources) add(o resources, sign int64) {
	r.milliCPU += sign * o.milliCPU
	r.memory += sign * o.memory
	r.ephemeral += sign * o.ephemeral
	for name, v := range o.scalar {
		if r.scalar == nil {
			r.scalar = map[corev1.ResourceName]int64{}
		}
		r.scalar[name] += sign * v
	}
}

// zero tells whether nothing is requested.
func (r resources) zero() bool {
	return r.milliCPU == 0 && r.memory == 0 && r.ephemeral == 0 && len(r.scalar) == 0
}
