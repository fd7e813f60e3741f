package drain

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	kubedrain "k8s.io/kubectl/pkg/drain"
)

// drainNode lists and filters the node's pods, then evicts each, all at
// once (the budgets pace them), and waits until every one is gone.
func (d *Drainer) drainNode(ctx context.Context, n *NodeReport, how method, pace *budgets) {
	pods, warnings, err := d.podsToEvict(ctx, n.Name)
	if err != nil {
		d.fail(n, NodeOutcomeFailed, err)
		return
	}
	n.Warnings = warnings
	d.obs.observe(Event{Time: d.clock.Now(), Type: NodeListed, Node: n.Name, Count: len(pods), Message: warnings})
	if d.opts.DryRun == DryRunClient {
		for _, pod := range pods {
			n.Pods = append(n.Pods, PodReport{Namespace: pod.Namespace, Name: pod.Name, UID: string(pod.UID), Method: how.String(), Outcome: PodOutcomeDryRun})
		}
		d.finish(n, NodeOutcomeDryRun)
		return
	}
	if d.opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = d.withTimeout(ctx, d.opts.Timeout)
		defer cancel()
	}
	var watch *nodePods
	if d.opts.DryRun == DryRunNone {
		factory := newNodeFactory(d.client, n.Name)
		watch, err = watchNodePods(factory, func(p *corev1.Pod) { d.terminating(n.Name, p) })
		if err != nil {
			d.fail(n, NodeOutcomeFailed, err)
			return
		}
		stop := startFactory(ctx, factory)
		defer stop()
		if !waitSynced(ctx, watch.synced) {
			d.fail(n, NodeOutcomeFailed, fmt.Errorf("watch pods of %s: %w", n.Name, context.Cause(ctx)))
			return
		}
	}
	n.Pods = make([]PodReport, len(pods))
	var wg sync.WaitGroup
	for i := range pods {
		wg.Go(func() {
			e := &podEviction{d: d, node: n.Name, pod: &pods[i], how: how, pace: pace, watch: watch, report: &n.Pods[i]}
			e.run(ctx)
		})
	}
	wg.Wait()
	d.finishPods(n)
}

// podsToEvict runs kubectl's own drain filters on the node's pods: the
// pods to evict, the warnings kubectl prints, and its error for pods that
// block the drain (DaemonSet, unmanaged, emptyDir without the flags).
func (d *Drainer) podsToEvict(ctx context.Context, node string) ([]corev1.Pod, string, error) {
	h := d.helper(ctx)
	list, errs := h.GetPodsForDeletion(node)
	if len(errs) > 0 {
		// The library builds them from a map: sort for a stable message.
		slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
		return nil, "", utilerrors.NewAggregate(errs)
	}
	return list.Pods(), SortWarnings(list.Warnings()), nil
}

// SortWarnings orders the "message: pods" parts of the library's
// warnings, which it builds from a map in random order.
func SortWarnings(w string) string {
	if w == "" {
		return w
	}
	parts := strings.Split(w, "; ")
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}

// helper is kubectl's drain Helper set as `kubectl drain` sets it from the
// same flags; drain uses it for its filters only. (Its Ctx field is the
// library's design, not ours: it is built per call and dropped.)
func (d *Drainer) helper(ctx context.Context) *kubedrain.Helper {
	dry := cmdutil.DryRunNone
	switch d.opts.DryRun {
	case DryRunClient:
		dry = cmdutil.DryRunClient
	case DryRunServer:
		dry = cmdutil.DryRunServer
	}
	return &kubedrain.Helper{
		Ctx: ctx, Client: d.client, Force: d.opts.Force, GracePeriodSeconds: d.opts.GracePeriodSeconds,
		IgnoreAllDaemonSets: d.opts.IgnoreDaemonSets, DeleteEmptyDirData: d.opts.DeleteEmptyDirData,
		PodSelector: d.opts.PodSelector, ChunkSize: d.opts.ChunkSize, DisableEviction: d.opts.DisableEviction,
		SkipWaitForDeleteTimeoutSeconds: d.opts.SkipWaitForDeleteTimeoutSeconds, DryRunStrategy: dry,
	}
}

// finishPods sets the node's outcome from its pods'.
func (d *Drainer) finishPods(n *NodeReport) {
	outcome := NodeOutcomeDrained
	if d.opts.DryRun == DryRunServer {
		outcome = NodeOutcomeDryRun
	}
	var errs []error
	for _, p := range n.Pods {
		switch p.Outcome {
		case PodOutcomeBlocked:
			if outcome != NodeOutcomeFailed && outcome != NodeOutcomeTimedOut {
				outcome = NodeOutcomeBlocked
			}
		case PodOutcomeTimedOut:
			if outcome != NodeOutcomeFailed {
				outcome = NodeOutcomeTimedOut
			}
		case PodOutcomeFailed:
			outcome = NodeOutcomeFailed
		default:
			continue
		}
		errs = append(errs, fmt.Errorf("pod %s/%s: %s", p.Namespace, p.Name, p.Error))
	}
	if len(errs) > 0 {
		n.Error = errors.Join(errs...).Error()
		n.Outcome, n.Finished = outcome, d.clock.Now()
		d.obs.observe(Event{Time: n.Finished, Type: NodeFailed, Node: n.Name, Message: n.Error})
		return
	}
	d.finish(n, outcome)
}

func (d *Drainer) finish(n *NodeReport, outcome NodeOutcome) {
	n.Outcome, n.Finished = outcome, d.clock.Now()
	d.obs.observe(Event{Time: n.Finished, Type: NodeDrained, Node: n.Name, Message: string(outcome)})
}

// terminating reports a pod that started shutting down.
func (d *Drainer) terminating(node string, pod *corev1.Pod) {
	d.obs.observe(Event{Time: d.clock.Now(), Type: PodTerminating, Node: node, Pod: pod.Namespace + "/" + pod.Name,
		Deadline: pod.DeletionTimestamp.Time})
}
