package drain_test

import (
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	kubedrain "k8s.io/kubectl/pkg/drain"

	"github.com/evictd/evictd/internal/drain"
)

// mixedNode puts on node-1 one pod of each kind the drain filters decide
// about, and returns the names of the pods kept running.
func (c *cluster) mixedNode(t *testing.T) {
	t.Helper()
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: ns},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "agent"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "agent"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "agent"}}},
			},
		},
	}
	if _, err := c.client.AppsV1().DaemonSets(ns).Create(t.Context(), ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	c.createPod(t, "web-1", "node-1", replicated, labeled("app", "web"))
	c.createPod(t, "web-2", "node-1", replicated, labeled("app", "web"))
	c.createPod(t, "bare", "node-1", labeled("app", "bare"))
	c.createPod(t, "agent-x", "node-1", ownedBy("apps/v1", "DaemonSet", "agent", ""), labeled("app", "agent"))
	c.createPod(t, "ghost-agent", "node-1", ownedBy("apps/v1", "DaemonSet", "gone", ""), labeled("app", "ghost"))
	c.createPod(t, "static", "node-1", labeled("app", "static"), annotated(corev1.MirrorPodAnnotationKey, "hash"))
	c.createPod(t, "scratch", "node-1", replicated, withEmptyDir, labeled("app", "scratch"))
	c.waitRunning(t, "web-1", "web-2", "bare", "agent-x", "ghost-agent", "static", "scratch")
}

// decision is what one drainer decided about a node's pods.
type decision struct {
	evict    []string
	warnings string
	err      string
}

// TestParityFilters runs k8s.io/kubectl/pkg/drain and evictd drain on the
// same node with every combination of the filter flags, and compares the
// pods each would evict, its warnings and its refusal.
func TestParityFilters(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	c.mixedNode(t)
	for _, tc := range []struct {
		name string
		set  func(*drain.Options)
		// want is what both must decide: the pods evicted, or "error".
		want []string
	}{
		{name: "no flags", set: func(*drain.Options) {}, want: []string{"error"}},
		{name: "force", set: func(o *drain.Options) { o.Force = true }, want: []string{"error"}},
		{name: "ignore-daemonsets", set: func(o *drain.Options) { o.IgnoreDaemonSets = true }, want: []string{"error"}},
		{name: "delete-emptydir-data", set: func(o *drain.Options) { o.DeleteEmptyDirData = true }, want: []string{"error"}},
		{name: "all three", set: func(o *drain.Options) { o.Force, o.IgnoreDaemonSets, o.DeleteEmptyDirData = true, true, true },
			want: []string{"bare", "ghost-agent", "scratch", "web-1", "web-2"}},
		{name: "pod-selector", set: func(o *drain.Options) { o.PodSelector = "app in (web,bare)" }, want: []string{"error"}},
		{name: "pod-selector and force", set: func(o *drain.Options) { o.PodSelector = "app in (web,bare)"; o.Force = true },
			want: []string{"bare", "web-1", "web-2"}},
	} {
		opts := drain.DefaultOptions()
		opts.DryRun = drain.DryRunClient
		tc.set(&opts)
		lib := libraryDecision(t, c, opts)
		ours := evictdDecision(t, c, opts)
		if !slices.Equal(lib.evict, ours.evict) || lib.warnings != ours.warnings || lib.err != ours.err {
			t.Errorf("%s:\nkubectl: %+v\nevictd:  %+v", tc.name, lib, ours)
		}
		got := ours.evict
		if ours.err != "" {
			got = []string{"error"}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: evictd decided %v (%+v), want %v", tc.name, got, ours, tc.want)
		}
	}
}

// libraryDecision asks kubectl's drain library, set from opts as kubectl
// drain sets it from the same flags.
func libraryDecision(t *testing.T, c *cluster, opts drain.Options) decision {
	t.Helper()
	h := &kubedrain.Helper{Ctx: t.Context(), Client: c.client, Force: opts.Force, IgnoreAllDaemonSets: opts.IgnoreDaemonSets,
		DeleteEmptyDirData: opts.DeleteEmptyDirData, PodSelector: opts.PodSelector, ChunkSize: opts.ChunkSize, GracePeriodSeconds: -1}
	list, errs := h.GetPodsForDeletion("node-1")
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
		return decision{err: utilerrors.NewAggregate(errs).Error()}
	}
	var names []string
	for _, p := range list.Pods() {
		names = append(names, p.Name)
	}
	return decision{evict: names, warnings: drain.SortWarnings(list.Warnings())}
}

func evictdDecision(t *testing.T, c *cluster, opts drain.Options) decision {
	t.Helper()
	report := drain.New(c.client, opts).Run(t.Context(), []string{"node-1"})
	n := report.Nodes[0]
	if n.Outcome != drain.NodeOutcomeDryRun {
		return decision{err: n.Error}
	}
	var names []string
	for _, p := range n.Pods {
		names = append(names, p.Name)
	}
	return decision{evict: names, warnings: n.Warnings}
}

// TestParityDrain drains two identical clusters, one with kubectl's drain
// library (cordon, RunNodeDrain) and one with evictd drain, and compares
// the pods each evicted and the pods left on the node.
func TestParityDrain(t *testing.T) {
	t.Parallel()
	lib, ours := startCluster(t, 1), startCluster(t, 1)
	lib.mixedNode(t)
	ours.mixedNode(t)

	var mu sync.Mutex
	var libEvicted []string
	h := &kubedrain.Helper{Ctx: t.Context(), Client: lib.client, Force: true, IgnoreAllDaemonSets: true, DeleteEmptyDirData: true,
		GracePeriodSeconds: -1, Timeout: 30 * time.Second, EvictErrorRetryDelay: time.Second, ChunkSize: drain.DefaultChunkSize,
		Out: io.Discard, ErrOut: io.Discard,
		OnPodDeletionOrEvictionFinished: func(p *corev1.Pod, usingEviction bool, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err == nil && usingEviction {
				libEvicted = append(libEvicted, p.Name)
			}
		}}
	node, err := lib.client.CoreV1().Nodes().Get(t.Context(), "node-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := kubedrain.RunCordonOrUncordon(h, node, true); err != nil {
		t.Fatal(err)
	}
	if err := kubedrain.RunNodeDrain(h, "node-1"); err != nil {
		t.Fatal(err)
	}

	report, _ := ours.run(t, func(o *drain.Options) { o.Force, o.IgnoreDaemonSets, o.DeleteEmptyDirData = true, true, true }, "node-1")
	if err := report.Err(); err != nil {
		t.Fatal(err)
	}
	var oursEvicted []string
	for _, p := range report.Nodes[0].Pods {
		if p.Outcome == drain.PodOutcomeDeleted && p.EvictedAt != nil {
			oursEvicted = append(oursEvicted, p.Name)
		}
	}
	slices.Sort(libEvicted)
	slices.Sort(oursEvicted)
	if !slices.Equal(libEvicted, oursEvicted) {
		t.Errorf("evicted: kubectl %v, evictd %v", libEvicted, oursEvicted)
	}
	if l, o := names(lib.podsOn(t, "node-1")), names(ours.podsOn(t, "node-1")); !slices.Equal(l, o) || !slices.Equal(o, []string{"agent-x", "static"}) {
		t.Errorf("left on node-1: kubectl %v, evictd %v; want [agent-x static]", l, o)
	}
	if !lib.unschedulable(t, "node-1") || !ours.unschedulable(t, "node-1") {
		t.Error("a node is not cordoned")
	}
}

func names(pods []corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	slices.Sort(out)
	return out
}
