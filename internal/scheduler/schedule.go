package scheduler

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

const (
	// minFeasibleNodesToFind and minFeasibleNodesPercentageToFind bound
	// upstream's adaptive percentageOfNodesToScore: in a large cluster the
	// search stops after enough feasible nodes, starting where the last
	// one stopped, which keeps a cycle cheap and still spreads.
	minFeasibleNodesToFind           = 100
	minFeasibleNodesPercentageToFind = 5
)

// scheduleOne takes the next pending pod, finds it a node and hands the
// binding (or the failure report) to the workers. It returns false once
// the queue is closed.
func (s *Scheduler) scheduleOne(ctx context.Context, calls chan<- func(context.Context)) bool {
	queued, ok := s.queue.pop()
	if !ok {
		return false
	}
	pod := s.latest(queued)
	if pod == nil {
		s.queue.remove(queued.UID)
		return true
	}
	node, diag := s.schedule(pod)
	if node != "" {
		submit(ctx, calls, func(ctx context.Context) { s.bind(ctx, pod, node) })
		return true
	}
	rejectors := diag.plugins
	if rejectors == 0 {
		// No node at all: only a node event can help.
		rejectors = pluginsAll
	}
	s.queue.failed(pod.UID, rejectors)
	msg := diag.message(pod)
	submit(ctx, calls, func(ctx context.Context) { s.reportUnschedulable(ctx, pod, podScheduledReason, msg) })
	return true
}

// latest returns the informer's current copy of a popped pod, or nil if
// it is gone, replaced, bound, assumed, or no longer to be scheduled.
func (s *Scheduler) latest(queued *corev1.Pod) *corev1.Pod {
	pod, err := s.pods.Pods(queued.Namespace).Get(queued.Name)
	switch {
	case apierrors.IsNotFound(err), err == nil && pod.UID != queued.UID:
		return nil
	case err != nil:
		pod = queued
	}
	if !pending(pod) || s.cache.has(pod.UID) {
		return nil
	}
	return pod
}

// schedule finds the best node for pod and assumes the pod onto it, all
// under the cache lock so the next cycle sees its requests. It returns
// the node's name, or "" and why no node fits.
func (s *Scheduler) schedule(pod *corev1.Pod) (string, *diagnosis) {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	nodes := s.cache.nodesLocked()
	d := &diagnosis{numNodes: len(nodes)}
	if len(nodes) == 0 {
		return "", d
	}
	c := newCycle(pod, nodes)
	feasible := s.findFeasible(c, nodes, d)
	if len(feasible) == 0 {
		return "", d
	}
	chosen := feasible[0]
	if len(feasible) > 1 {
		chosen = s.selectHost(feasible, c.score(feasible, nodes))
	}
	s.cache.assumeLocked(c.info, chosen.node.Name)
	return chosen.node.Name, nil
}

// findFeasible filters nodes from nextStart on until enough fit,
// recording each rejection in d.
func (s *Scheduler) findFeasible(c *cycle, nodes []*nodeInfo, d *diagnosis) []*nodeInfo {
	want := numFeasibleNodesToFind(len(nodes))
	var feasible []*nodeInfo
	processed := 0
	for i := range nodes {
		n := nodes[(s.nextStart+i)%len(nodes)]
		processed++
		if st := c.filter(n); st != nil {
			d.add(st)
			continue
		}
		if feasible = append(feasible, n); len(feasible) >= want {
			break
		}
	}
	s.nextStart = (s.nextStart + processed) % len(nodes)
	return feasible
}

// numFeasibleNodesToFind is upstream's adaptive percentage: every node
// below 100 nodes, else 50% minus 1% per 125 nodes, at least 5% and 100.
func numFeasibleNodesToFind(all int) int {
	if all < minFeasibleNodesToFind {
		return all
	}
	pct := max(50-all/125, minFeasibleNodesPercentageToFind)
	return max(all*pct/100, minFeasibleNodesToFind)
}

// selectHost picks the highest-scored node. Upstream picks among ties at
// random; a rotating pick is as fair and reproducible.
func (s *Scheduler) selectHost(nodes []*nodeInfo, scores []int64) *nodeInfo {
	best := scores[0]
	for _, v := range scores[1:] {
		best = max(best, v)
	}
	var ties []*nodeInfo
	for i, v := range scores {
		if v == best {
			ties = append(ties, nodes[i])
		}
	}
	s.tieBreak++
	return ties[s.tieBreak%len(ties)]
}
