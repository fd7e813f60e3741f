package tainteviction

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// nodeNameIndex indexes pods by node; the name is this package's own so
// it never collides with another component's index on the shared informer.
const nodeNameIndex = "tainteviction/spec.nodeName"

// addNodeNameIndex adds the index unless it is there already. Every
// component adds its indexes to the one shared pod informer while the
// others start too, and GetIndexers hands out the informer's map without
// its lock: reading it races with their AddIndexers. So the index is added
// first and its presence probed with ByIndex, which reads under the lock;
// an "indexer conflict" then only means an earlier call added it.
func addNodeNameIndex(informer cache.SharedIndexInformer) error {
	err := informer.AddIndexers(cache.Indexers{nodeNameIndex: func(obj any) ([]string, error) {
		if pod, ok := obj.(*corev1.Pod); ok && pod.Spec.NodeName != "" {
			return []string{pod.Spec.NodeName}, nil
		}
		return nil, nil
	}})
	if _, probe := informer.GetIndexer().ByIndex(nodeNameIndex, ""); probe == nil {
		return nil
	}
	return err
}

// due tells whether the pod must go because of its node's NoExecute
// taints, and when: at once for a taint it does not tolerate, else when
// the shortest tolerationSeconds among the tolerations used has passed
// since the taints came (upstream counts from when it first saw them; the
// taint's timeAdded is that moment, and survives a restart). Tolerations
// without seconds never expire.
func (c *Controller) due(node *corev1.Node, pod *corev1.Pod) (time.Time, bool) {
	var taints []corev1.Taint
	for _, t := range node.Spec.Taints {
		if t.Effect == corev1.TaintEffectNoExecute {
			taints = append(taints, t)
		}
	}
	if len(taints) == 0 {
		c.forget(node.Name)
		return time.Time{}, false
	}
	minSeconds := int64(-1)
	for i := range taints {
		tolerated := false
		for _, tol := range pod.Spec.Tolerations {
			if !tol.ToleratesTaint(klog.Background(), &taints[i], false) {
				continue
			}
			tolerated = true
			if tol.TolerationSeconds != nil && (minSeconds < 0 || *tol.TolerationSeconds < minSeconds) {
				minSeconds = *tol.TolerationSeconds
			}
		}
		if !tolerated {
			return c.clock.Now(), true
		}
	}
	if minSeconds < 0 {
		return time.Time{}, false
	}
	return c.since(node.Name, taints).Add(time.Duration(minSeconds) * time.Second), true
}

// since is when the NoExecute taints came: the earliest timeAdded, or when
// this controller first saw taints without one.
func (c *Controller) since(node string, taints []corev1.Taint) time.Time {
	var start time.Time
	for _, t := range taints {
		if t.TimeAdded != nil && (start.IsZero() || t.TimeAdded.Time.Before(start)) {
			start = t.TimeAdded.Time
		}
	}
	if !start.IsZero() {
		return start
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if seen, ok := c.firstSeen[node]; ok {
		return seen
	}
	now := c.clock.Now()
	c.firstSeen[node] = now
	return now
}

func (c *Controller) forget(node string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.firstSeen, node)
}

// noExecuteEqual tells whether two versions of a node have the same
// NoExecute taints.
func noExecuteEqual(a, b *corev1.Node) bool {
	var x, y []corev1.Taint
	for _, t := range a.Spec.Taints {
		if t.Effect == corev1.TaintEffectNoExecute {
			x = append(x, t)
		}
	}
	for _, t := range b.Spec.Taints {
		if t.Effect == corev1.TaintEffectNoExecute {
			y = append(y, t)
		}
	}
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if !x[i].MatchTaint(&y[i]) {
			return false
		}
	}
	return true
}
