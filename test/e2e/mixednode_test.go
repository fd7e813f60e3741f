package e2e

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

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
