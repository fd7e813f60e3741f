package e2e

import (
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// TestClusterDrain drains a node of a whole simulated cluster that runs
// one pod of each kind drain treats differently — a DaemonSet's, a
// ReplicaSet's with an emptyDir, an unmanaged bare pod, a StatefulSet's —
// with the installed kubectl, with the older ones, and with
// k8s.io/kubectl/pkg/drain. Without --ignore-daemonsets, --force or
// --delete-emptydir-data drain refuses, naming the pods, and evicts
// nothing; with all three it finishes on its own (the kubelets end the
// pods): the DaemonSet pod stays, the others are evicted, the StatefulSet
// pod comes back under its name on another node and the ReplicaSet's
// replacement is Ready elsewhere.
func TestClusterDrain(t *testing.T) {
	t.Parallel()
	for _, name := range append([]string{defaultKubectl}, olderKubectls...) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			withCluster(t, name, func(t *testing.T, e *env) {
				testMixedDrain(t, e, kubectlDrainer{e: e})
			})
		})
	}
	t.Run("library", func(t *testing.T) {
		t.Parallel()
		withCluster(t, defaultKubectl, func(t *testing.T, e *env) {
			testMixedDrain(t, e, &libraryDrainer{client: e.client})
		})
	})
}

// drainFlags are drain's three overrides.
type drainFlags struct {
	ignoreDaemonSets, deleteEmptyDirData, force bool
}

// A drainer drains one node, as kubectl or as the drain library.
type drainer interface {
	// refuse drains node with flags, must fail, and returns what it said.
	refuse(t *testing.T, node string, f drainFlags) string
	// drain drains node with every override and must succeed; it returns
	// what was printed on the output and on the error output.
	drain(t *testing.T, node string) (out, errOut string)
}

func testMixedDrain(t *testing.T, e *env, d drainer) {
	e.dumpOnFailure(t)
	m := e.mixedNode(t)
	refusals := []struct {
		name    string
		flags   drainFlags
		refused []string
	}{
		{name: "without overrides", refused: []string{m.daemonRefusal(), m.emptyDirRefusal(), m.bareRefusal()}},
		{name: "ignore daemonsets", flags: drainFlags{ignoreDaemonSets: true}, refused: []string{m.emptyDirRefusal(), m.bareRefusal()}},
		{name: "ignore daemonsets, force", flags: drainFlags{ignoreDaemonSets: true, force: true}, refused: []string{m.emptyDirRefusal()}},
		{name: "ignore daemonsets, delete emptydir data", flags: drainFlags{ignoreDaemonSets: true, deleteEmptyDirData: true}, refused: []string{m.bareRefusal()}},
	}
	all := []string{m.daemonRefusal(), m.emptyDirRefusal(), m.bareRefusal()}
	for _, r := range refusals {
		said := d.refuse(t, m.node, r.flags)
		for _, want := range all {
			if got := strings.Contains(said, want); got != slices.Contains(r.refused, want) {
				t.Errorf("%s: says %q: %t, want %t; it said:\n%s", r.name, want, got, !got, said)
			}
		}
	}
	m.wantUntouched(t, e)

	out, errOut := d.drain(t, m.node)
	for _, warning := range []string{
		"ignoring DaemonSet-managed Pods: kube-system/" + m.daemon.Name,
		"deleting Pods that declare no controller: default/bare",
	} {
		if !strings.Contains(errOut, warning) {
			t.Errorf("the drain never warned %q; it said:\n%s", warning, errOut)
		}
	}
	for _, p := range []string{"bare", "db-0", m.scratch.Name} {
		wantLine(t, out, `^evicting pod default/`+p+`$`)
	}
	m.wantDrained(t, e)
}

// kubectlDrainer drains with kubectl drain.
type kubectlDrainer struct{ e *env }

func (k kubectlDrainer) refuse(t *testing.T, node string, f drainFlags) string {
	t.Helper()
	res := k.e.runExit(t, 1, append([]string{"drain", node}, f.args()...)...)
	wantLine(t, res.stderr, `^error: unable to drain node "`+node+`" due to error: ?`)
	return res.stderr
}

func (k kubectlDrainer) drain(t *testing.T, node string) (string, string) {
	t.Helper()
	all := drainFlags{ignoreDaemonSets: true, deleteEmptyDirData: true, force: true}
	res := k.e.run(t, append([]string{"drain", node, "--timeout=60s"}, all.args()...)...)
	// The refused runs cordoned it already.
	wantLine(t, res.stdout, `^node/`+node+` already cordoned$`)
	wantLine(t, res.stderr, `^Warning: `)
	for _, p := range []string{"bare", "db-0"} {
		wantLine(t, res.stdout, `^pod/`+p+` evicted$`)
	}
	wantLine(t, res.stdout, `^pod/scratch-[a-z0-9]+ evicted$`)
	wantLine(t, res.stdout, `^node/`+node+` drained$`)
	return res.stdout, res.stderr
}

func (f drainFlags) args() []string {
	var args []string
	if f.ignoreDaemonSets {
		args = append(args, "--ignore-daemonsets")
	}
	if f.deleteEmptyDirData {
		args = append(args, "--delete-emptydir-data")
	}
	if f.force {
		args = append(args, "--force")
	}
	return args
}

// mixed is the node that runs one pod of each kind, and those pods.
type mixed struct {
	node                string
	daemon, scratch, db *corev1.Pod
	bare                *corev1.Pod
}

func (m *mixed) daemonRefusal() string {
	return "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/" + m.daemon.Name
}

func (m *mixed) emptyDirRefusal() string {
	return "cannot delete Pods with local storage (use --delete-emptydir-data to override): default/" + m.scratch.Name
}

func (m *mixed) bareRefusal() string {
	// kubectl 1.27 says "Pods declare no controller".
	return "declare no controller (use --force to override): default/bare"
}

// wantUntouched fails t unless every pod of the node still runs there.
func (m *mixed) wantUntouched(t *testing.T, e *env) {
	t.Helper()
	for _, p := range []*corev1.Pod{m.daemon, m.scratch, m.db, m.bare} {
		got, err := e.client.CoreV1().Pods(p.Namespace).Get(t.Context(), p.Name, metav1.GetOptions{})
		if err != nil || got.UID != p.UID || got.DeletionTimestamp != nil {
			t.Errorf("pod %s/%s was touched by a refused drain: %v", p.Namespace, p.Name, err)
		}
	}
}

// wantDrained checks the node after the drain: only the DaemonSet pod
// left on it, the bare pod gone for good, db-0 back under its name on
// another node and the ReplicaSet's pod replaced elsewhere.
func (m *mixed) wantDrained(t *testing.T, e *env) {
	t.Helper()
	if !e.node(t, m.node).Spec.Unschedulable {
		t.Errorf("%s is not cordoned", m.node)
	}
	left, err := e.client.CoreV1().Pods("").List(t.Context(), metav1.ListOptions{FieldSelector: "spec.nodeName=" + m.node})
	if err != nil {
		t.Fatal(err)
	}
	if len(left.Items) != 1 || left.Items[0].UID != m.daemon.UID {
		t.Errorf("pods left on %s: %v, want only %s", m.node, names(left.Items), m.daemon.Name)
	}
	e.wantPodGone(t, "bare")
	e.eventually(t, "db-0 Ready again on another node", func() bool {
		p, err := e.client.CoreV1().Pods("default").Get(t.Context(), "db-0", metav1.GetOptions{})
		return err == nil && p.UID != m.db.UID && p.Spec.NodeName != m.node && podReady(p)
	})
	e.eventually(t, "the ReplicaSet's replacement Ready on another node", func() bool {
		pods := e.readyPods(t, "app=scratch")
		return len(pods) == 1 && pods[0].UID != m.scratch.UID && pods[0].Spec.NodeName != m.node
	})
}

// poolLabel is a node label the mixed node's pods select: only node-1 has
// it until they are all Ready there, then the other nodes get it too, so
// that replacements may go anywhere but node-1. (Cordoning the other
// nodes instead would race with the scheduler's node cache: a pod created
// just after the cordon could still be bound to them.)
const poolLabel = "e2e.evictd.io/pool"

// inPool is a pod template that selects the nodes labelled poolLabel.
func inPool(app string) corev1.PodTemplateSpec {
	tmpl := podTemplate(map[string]string{"app": app}, nil)
	tmpl.Spec.NodeSelector = map[string]string{poolLabel: "drain"}
	return tmpl
}

// mixedNode gives node-1 a DaemonSet pod, a ReplicaSet pod with an
// emptyDir, a bare pod and a StatefulSet pod, waits for all four to be
// Ready there, then opens the other nodes to their replacements.
func (e *env) mixedNode(t *testing.T) *mixed {
	t.Helper()
	ctx := t.Context()
	e.run(t, "label", "node", "node-1", poolLabel+"=drain")
	e.createDaemonSet(t, "kube-system", "agent")
	scratch := inPool("scratch")
	scratch.Spec.Volumes = []corev1.Volume{{Name: "cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	scratch.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "cache", MountPath: "/cache"}}
	if _, err := e.client.AppsV1().ReplicaSets("default").Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "scratch"},
		Spec:       appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](1), Selector: selector("scratch"), Template: scratch},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.AppsV1().StatefulSets("default").Create(ctx, &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "db"},
		Spec:       appsv1.StatefulSetSpec{Replicas: ptr.To[int32](1), ServiceName: "db", Selector: selector("db"), Template: inPool("db")},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	bare := inPool("bare")
	if _, err := e.client.CoreV1().Pods("default").Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "bare", Labels: bare.Labels}, Spec: bare.Spec}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	m := &mixed{node: "node-1"}
	e.eventually(t, "4 Ready pods on node-1", func() bool {
		m.daemon, m.scratch, m.db, m.bare = nil, nil, nil, nil
		for _, p := range e.readyOn(t, "node-1") {
			switch p.Labels["app"] {
			case "agent":
				m.daemon = &p
			case "scratch":
				m.scratch = &p
			case "db":
				m.db = &p
			case "bare":
				m.bare = &p
			}
		}
		return m.daemon != nil && m.scratch != nil && m.db != nil && m.bare != nil
	})
	e.run(t, "label", "node", "node-2", "node-3", poolLabel+"=drain")
	return m
}

// readyOn lists the Ready pods of every namespace bound to node.
func (e *env) readyOn(t *testing.T, node string) []corev1.Pod {
	t.Helper()
	list, err := e.client.CoreV1().Pods("").List(t.Context(), metav1.ListOptions{FieldSelector: "spec.nodeName=" + node})
	if err != nil {
		t.Fatal(err)
	}
	var ready []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil && podReady(&p) {
			ready = append(ready, p)
		}
	}
	return ready
}

func selector(app string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}
}

// createDaemonSet creates DaemonSet ns/name of pods app=name.
func (e *env) createDaemonSet(t *testing.T, ns, name string) {
	t.Helper()
	_, err := e.client.AppsV1().DaemonSets(ns).Create(t.Context(), &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       appsv1.DaemonSetSpec{Selector: selector(name), Template: podTemplate(map[string]string{"app": name}, nil)},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create daemonset %s/%s: %v", ns, name, err)
	}
}

// createStatefulSet creates StatefulSet default/name of pods app=name.
func (e *env) createStatefulSet(t *testing.T, name string, replicas int32) {
	t.Helper()
	if _, err := e.client.AppsV1().StatefulSets("default").Create(t.Context(), &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.StatefulSetSpec{Replicas: ptr.To(replicas), ServiceName: name, Selector: selector(name),
			Template: podTemplate(map[string]string{"app": name}, nil)},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create statefulset %s: %v", name, err)
	}
}
