package workload

import (
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ReplicaCounts are the status counters ReplicaSets and
// ReplicationControllers share.
type ReplicaCounts struct {
	Replicas, FullyLabeledReplicas, ReadyReplicas, AvailableReplicas int32
	ObservedGeneration                                               int64
}

// ValidateReplicaCounts is upstream's ValidateReplicaSetStatus, which
// ValidateReplicationControllerStatus repeats: every counter is
// non-negative, and none exceeds the one it is a subset of.
func ValidateReplicaCounts(c ReplicaCounts, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, f := range []struct {
		name  string
		value int64
	}{
		{"replicas", int64(c.Replicas)},
		{"fullyLabeledReplicas", int64(c.FullyLabeledReplicas)},
		{"readyReplicas", int64(c.ReadyReplicas)},
		{"availableReplicas", int64(c.AvailableReplicas)},
		{"observedGeneration", c.ObservedGeneration},
	} {
		errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(f.value, path.Child(f.name))...)
	}
	return append(errs, validateSubsets(c, path)...)
}

// validateSubsets checks that no counter exceeds the one it counts a part of.
func validateSubsets(c ReplicaCounts, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	const msg = "cannot be greater than status.replicas"
	if c.FullyLabeledReplicas > c.Replicas {
		errs = append(errs, field.Invalid(path.Child("fullyLabeledReplicas"), c.FullyLabeledReplicas, msg))
	}
	if c.ReadyReplicas > c.Replicas {
		errs = append(errs, field.Invalid(path.Child("readyReplicas"), c.ReadyReplicas, msg))
	}
	if c.AvailableReplicas > c.Replicas {
		errs = append(errs, field.Invalid(path.Child("availableReplicas"), c.AvailableReplicas, msg))
	}
	if c.AvailableReplicas > c.ReadyReplicas {
		errs = append(errs, field.Invalid(path.Child("availableReplicas"), c.AvailableReplicas, "cannot be greater than readyReplicas"))
	}
	return errs
}
