// Package workload holds the rules the pod-owning workloads share:
// ReplicaSets, ReplicationControllers, Deployments, DaemonSets and
// StatefulSets. Upstream's pkg/apis/apps/validation and
// pkg/apis/core/validation repeat these per kind; here each workload
// package keeps what is its own (messages that name the kind, field order,
// the checks only it makes) and calls this package for the rest.
package workload
