package statefulset

import (
	"context"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// round is one pass of upstream's updateStatefulSet over one set: the set
// at its current and update revisions and the policy, read once.
type round struct {
	c               *Controller
	set             *appsv1.StatefulSet
	currentSet      *appsv1.StatefulSet
	updateSet       *appsv1.StatefulSet
	current, update *appsv1.ControllerRevision
	monotonic       bool
	now             time.Time
}

func (c *Controller) newRound(set *appsv1.StatefulSet, current, update *appsv1.ControllerRevision) (*round, error) {
	currentSet, err := applyRevision(set, current)
	if err != nil {
		return nil, err
	}
	updateSet, err := applyRevision(set, update)
	if err != nil {
		return nil, err
	}
	return &round{
		c: c, set: set, currentSet: currentSet, updateSet: updateSet,
		current: current, update: update,
		monotonic: set.Spec.PodManagementPolicy != appsv1.ParallelPodManagement,
		now:       c.clock.Now(),
	}, nil
}

// reconcile brings the set's pods one step closer to the spec and returns
// the status to write: create missing ordinals and replace finished pods,
// then delete ordinals beyond the replicas, then roll the update revision
// out. With OrderedReady every step waits for all earlier ordinals to be
// Running, Ready and available; with Parallel nothing waits.
func (c *Controller) reconcile(ctx context.Context, set *appsv1.StatefulSet, current, update *appsv1.ControllerRevision,
	collisionCount int32, pods []*corev1.Pod) (*appsv1.StatefulSetStatus, error) {
	r, err := c.newRound(set, current, update)
	if err != nil {
		return nil, err
	}
	status := &appsv1.StatefulSetStatus{
		ObservedGeneration: set.Generation,
		CurrentRevision:    current.Name,
		UpdateRevision:     update.Name,
		CollisionCount:     &collisionCount,
	}
	replicas, condemned := r.split(pods)
	done := func(err error) (*appsv1.StatefulSetStatus, error) {
		r.count(status, replicas, condemned)
		return status, err
	}
	// A set being deleted only reports: the garbage collector removes its
	// pods.
	if set.DeletionTimestamp != nil {
		return done(nil)
	}
	firstUnhealthy := firstUnhealthyPod(replicas, condemned)
	if exit, err := r.runForAll(replicas, func(i int) (bool, error) { return r.processReplica(ctx, replicas, i) }); exit || err != nil {
		return done(err)
	}
	if exit, err := r.runForAll(condemned, func(i int) (bool, error) { return r.processCondemned(ctx, firstUnhealthy, condemned[i]) }); exit || err != nil {
		return done(err)
	}
	r.count(status, replicas, condemned)
	if set.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType {
		return status, nil
	}
	return status, r.rollOut(ctx, replicas, status)
}

// split places each pod at its ordinal among the replicas, or among the
// condemned (ordinals beyond the range, highest first), and fills the
// missing ordinals with pods to create.
func (r *round) split(pods []*corev1.Pod) (replicas, condemned []*corev1.Pod) {
	start := startOrdinal(r.set)
	replicas = make([]*corev1.Pod, *r.set.Spec.Replicas)
	for _, pod := range pods {
		switch {
		case inOrdinalRange(r.set, pod):
			replicas[ordinalOf(pod)-start] = pod
		case ordinalOf(pod) >= 0:
			condemned = append(condemned, pod)
		}
	}
	for i := range replicas {
		if replicas[i] == nil {
			replicas[i] = r.newVersionedPod(start + i)
		}
	}
	slices.SortFunc(condemned, func(a, b *corev1.Pod) int { return ordinalOf(b) - ordinalOf(a) })
	return replicas, condemned
}

// newVersionedPod is the pod to create at ordinal: at the current revision
// when the ordinal is below the partition, else at the update revision.
// The condition reproduces upstream's operator precedence: with
// RollingUpdate and no rollingUpdate block the ordinals below
// status.currentReplicas stay at the current revision, and any strategy
// with a partition keeps the ordinals below it.
func (r *round) newVersionedPod(ordinal int) *corev1.Pod {
	strategy := r.currentSet.Spec.UpdateStrategy
	if strategy.Type == appsv1.RollingUpdateStatefulSetStrategyType &&
		(strategy.RollingUpdate == nil && ordinal < int(r.currentSet.Status.CurrentReplicas)) ||
		(strategy.RollingUpdate != nil && strategy.RollingUpdate.Partition != nil && ordinal < int(*strategy.RollingUpdate.Partition)) {
		pod := newPod(r.currentSet, ordinal)
		setPodRevision(pod, r.current.Name)
		return pod
	}
	pod := newPod(r.updateSet, ordinal)
	setPodRevision(pod, r.update.Name)
	return pod
}

// firstUnhealthyPod is the lowest-ordinal replica that is not healthy,
// else the lowest-ordinal unhealthy condemned pod: the one pod OrderedReady
// scale-down may delete even though it is not Running and Ready.
func firstUnhealthyPod(replicas, condemned []*corev1.Pod) *corev1.Pod {
	for _, pod := range replicas {
		if !isHealthy(pod) {
			return pod
		}
	}
	for i := len(condemned) - 1; i >= 0; i-- {
		if !isHealthy(condemned[i]) {
			return condemned[i]
		}
	}
	return nil
}
