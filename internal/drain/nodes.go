package drain

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/resource"
	"k8s.io/client-go/kubernetes"
	kubedrain "k8s.io/kubectl/pkg/drain"
)

// Nodes resolves the nodes to drain: names as given (each must exist), or
// every node selector matches, paged by chunkSize as kubectl lists them.
// One of names and selector must be set, not both.
func Nodes(ctx context.Context, client kubernetes.Interface, names []string, selector string, chunkSize int64) ([]string, error) {
	switch {
	case len(names) > 0 && selector != "":
		return nil, errors.New("cannot specify both a node name and a --selector option")
	case len(names) > 0:
		for _, name := range names {
			if _, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{}); err != nil {
				return nil, fmt.Errorf("get node %s: %w", name, err)
			}
		}
		return names, nil
	case selector == "":
		return nil, errors.New("name one or more nodes, or select them with --selector")
	}
	sel, err := labels.Parse(selector)
	if err != nil {
		return nil, fmt.Errorf("invalid --selector %q: %w", selector, err)
	}
	var out []string
	opts := &metav1.ListOptions{LabelSelector: sel.String(), Limit: chunkSize}
	err = resource.FollowContinue(opts, func(o metav1.ListOptions) (runtime.Object, error) {
		list, err := client.CoreV1().Nodes().List(ctx, o)
		if err != nil {
			return nil, err
		}
		for _, n := range list.Items {
			out = append(out, n.Name)
		}
		return list, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list nodes %s: %w", selector, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no nodes match %q", selector)
	}
	return out, nil
}

// cordon makes the node unschedulable (desired) or schedulable again,
// with kubectl's cordon helper (a strategic merge patch, else an update).
// A client dry run changes nothing; a server dry run asks the server.
func (d *Drainer) cordon(ctx context.Context, name string, desired bool) error {
	node, err := d.client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("get node %s: %w", name, err)
	}
	c := kubedrain.NewCordonHelper(node)
	if c.UpdateIfRequired(desired) && d.opts.DryRun != DryRunClient {
		err, patchErr := c.PatchOrReplaceWithContext(ctx, d.client, d.opts.DryRun == DryRunServer)
		if err != nil {
			if patchErr != nil {
				return fmt.Errorf("cordon %s: %w (patch: %w)", name, err, patchErr)
			}
			return fmt.Errorf("cordon %s: %w", name, err)
		}
	}
	typ := NodeCordoned
	if !desired {
		typ = NodeUncordoned
	}
	d.obs.observe(Event{Time: d.clock.Now(), Type: typ, Node: name})
	return nil
}

// uncordonTimeout bounds the uncordon after a failed drain, which runs
// even when the drain's context ended.
const uncordonTimeout = 30 * time.Second

// uncordonOnFailure puts a node whose drain gave up back into service
// when asked to.
func (d *Drainer) uncordonOnFailure(ctx context.Context, n *NodeReport) {
	if !d.opts.UncordonOnFailure || n.Outcome == NodeOutcomeDrained || n.Outcome == NodeOutcomeDryRun || n.Outcome == NodeOutcomeNotCordonable {
		return
	}
	// The drain's own context may be the one that ended.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), uncordonTimeout)
	defer cancel()
	if err := d.cordon(ctx, n.Name, false); err != nil {
		n.Error += "; " + err.Error()
		return
	}
	n.Uncordoned = true
}

// isReady says whether the pod is Running with condition Ready True.
func isReady(pod *corev1.Pod) bool {
	if pod.Status.Phase != corev1.PodRunning || pod.DeletionTimestamp != nil {
		return false
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
