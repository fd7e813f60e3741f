package nodelifecycle

import (
	"context"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/util/flowcontrol"
	"k8s.io/utils/clock"
)

// zoneState is upstream's ZoneState.
type zoneState string

const (
	stateNormal            zoneState = "Normal"
	statePartialDisruption zoneState = "PartialDisruption"
	stateFullDisruption    zoneState = "FullDisruption"
)

// zone is one failure domain's NoExecute queue and rate limiter. Nodes
// wait in the queue in order; each token of the limiter taints one.
type zone struct {
	queue   []string
	qps     float32
	limiter flowcontrol.RateLimiter // nil: tainting is stopped
	state   zoneState
}

func (z *zone) add(node string) {
	if !slices.Contains(z.queue, node) {
		z.queue = append(z.queue, node)
	}
}

func (z *zone) remove(node string) {
	z.queue = slices.DeleteFunc(z.queue, func(n string) bool { return n == node })
}

// zoneOf names a node's zone as upstream's GetZoneKey: region and zone
// labels joined ("" when the node has neither).
func zoneOf(node *corev1.Node) string {
	region := node.Labels[corev1.LabelTopologyRegion]
	z := node.Labels[corev1.LabelTopologyZone]
	if region == "" && z == "" {
		return ""
	}
	return region + ":\x00:" + z
}

// zone returns the named zone, creating it at the primary rate. The
// returned zone's queue is only touched under c.mu by its callers'
// helpers.
func (c *Controller) zone(name string) *lockedZone {
	c.mu.Lock()
	defer c.mu.Unlock()
	z := c.zones[name]
	if z == nil {
		z = &zone{state: stateNormal}
		c.setRate(z, c.opts.EvictionRate)
		c.zones[name] = z
	}
	return &lockedZone{c: c, z: z}
}

// lockedZone adds and removes queue entries under the controller's lock.
type lockedZone struct {
	c *Controller
	z *zone
}

func (l *lockedZone) add(node string) {
	l.c.mu.Lock()
	defer l.c.mu.Unlock()
	l.z.add(node)
}

func (l *lockedZone) remove(node string) {
	l.c.mu.Lock()
	defer l.c.mu.Unlock()
	l.z.remove(node)
}

// setRate changes a zone's rate; the caller holds c.mu.
func (c *Controller) setRate(z *zone, qps float32) {
	if z.qps == qps && (qps == 0) == (z.limiter == nil) {
		return
	}
	z.qps, z.limiter = qps, nil
	if qps > 0 {
		z.limiter = flowcontrol.NewTokenBucketRateLimiterWithClock(qps, 1, sleeper{c.clock})
	}
}

// classify is upstream's ComputeZoneState.
func (c *Controller) classify(statuses []corev1.ConditionStatus) zoneState {
	notReady := 0
	for _, s := range statuses {
		if s != corev1.ConditionTrue {
			notReady++
		}
	}
	switch {
	case len(statuses) > 0 && notReady == len(statuses):
		return stateFullDisruption
	case notReady > 2 && float64(notReady)/float64(len(statuses)) >= c.opts.UnhealthyZoneThreshold:
		return statePartialDisruption
	}
	return stateNormal
}

// updateZones sets each zone's state and rate from its nodes' readiness.
// When every zone is fully disrupted the control plane, not the nodes, is
// the likelier culprit: tainting stops and every NoExecute taint goes
// (upstream's "master disruption mode").
func (c *Controller) updateZones(ctx context.Context, readiness map[string][]corev1.ConditionStatus) {
	allDown := len(readiness) > 0
	c.mu.Lock()
	for name, statuses := range readiness {
		z := c.zones[name]
		if z == nil {
			z = &zone{}
			c.zones[name] = z
		}
		z.state = c.classify(statuses)
		allDown = allDown && z.state == stateFullDisruption
		switch z.state {
		case stateNormal, stateFullDisruption:
			c.setRate(z, c.opts.EvictionRate)
		case statePartialDisruption:
			rate := float32(0)
			if len(statuses) > c.opts.LargeClusterSize {
				rate = c.opts.SecondaryEvictionRate
			}
			c.setRate(z, rate)
		}
	}
	if allDown {
		for _, z := range c.zones {
			z.queue = nil
			c.setRate(z, 0)
		}
	}
	c.mu.Unlock()
	if allDown {
		c.untaintAll(ctx)
	}
}

// untaintAll removes the not-ready/unreachable NoExecute taints from every
// node.
func (c *Controller) untaintAll(ctx context.Context) {
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return
	}
	for _, node := range nodes {
		if len(taintKeys(node, corev1.TaintEffectNoExecute, noExecuteKeys)) > 0 {
			c.setNoExecute(ctx, node.Name, "")
		}
	}
}

// taintNoExecute taints the nodes at the head of each zone's queue, as
// many as the zone's limiter allows (upstream's doNoExecuteTaintingPass).
func (c *Controller) taintNoExecute(ctx context.Context) {
	type due struct{ node, key string }
	var work []due
	c.mu.Lock()
	for _, z := range c.zones {
		for len(z.queue) > 0 && z.limiter != nil && z.limiter.TryAccept() {
			name := z.queue[0]
			z.queue = z.queue[1:]
			work = append(work, due{node: name})
		}
	}
	c.mu.Unlock()
	for _, w := range work {
		node, err := c.nodes.Get(w.node)
		if err != nil {
			continue
		}
		status := corev1.ConditionUnknown
		if cond := condition(node, corev1.NodeReady); cond != nil {
			status = cond.Status
		}
		if key := noExecuteKey(status); key != "" {
			c.setNoExecute(ctx, node.Name, key)
		}
	}
}

// sleeper gives the injected clock the Sleep flowcontrol's limiter wants.
type sleeper struct{ clock.WithTicker }

func (s sleeper) Sleep(d time.Duration) { <-s.After(d) }
