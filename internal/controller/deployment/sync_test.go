package deployment

import (
	"k8s.io/apimachinery/pkg/runtime"
	"regexp"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// TestSyncCreatesHashNamedReplicaSet: the first sync creates the
// ReplicaSet of revision 1, named and labelled with the template hash.
func TestSyncCreatesHashNamedReplicaSet(t *testing.T) {
	t.Parallel()
	f := newFixture(t, newDeployment("web", 3))
	f.sync("web")

	rss := f.replicaSets()
	if len(rss) != 1 {
		t.Fatalf("ReplicaSets = %d, want 1", len(rss))
	}
	rs := rss[0]
	hash := ComputeHash(&newDeployment("web", 3).Spec.Template, nil)
	if rs.Name != "web-"+hash || !regexp.MustCompile(`^web-[bcdfghjklmnpqrstvwxz2456789]{1,10}$`).MatchString(rs.Name) {
		t.Errorf("name = %q, want web-%s", rs.Name, hash)
	}
	key := appsv1.DefaultDeploymentUniqueLabelKey
	if rs.Labels[key] != hash || rs.Spec.Selector.MatchLabels[key] != hash || rs.Spec.Template.Labels[key] != hash {
		t.Errorf("pod-template-hash missing: labels %v selector %v template %v", rs.Labels, rs.Spec.Selector.MatchLabels, rs.Spec.Template.Labels)
	}
	wantAnn := map[string]string{RevisionAnnotation: "1", DesiredReplicasAnnotation: "3", MaxReplicasAnnotation: "4"}
	for k, v := range wantAnn {
		if rs.Annotations[k] != v {
			t.Errorf("annotation %s = %q, want %q", k, rs.Annotations[k], v)
		}
	}
	ref := metav1.GetControllerOf(rs)
	if ref == nil || ref.Kind != "Deployment" || ref.Name != "web" || !ptr.Deref(ref.BlockOwnerDeletion, false) {
		t.Errorf("controller ref = %+v", ref)
	}
	if rsReplicas(rs) != 3 {
		t.Errorf("replicas = %d, want 3", rsReplicas(rs))
	}
	d := f.deployment("web")
	if d.Annotations[RevisionAnnotation] != "1" {
		t.Errorf("deployment revision = %q", d.Annotations[RevisionAnnotation])
	}
	if c := getCondition(d.Status, appsv1.DeploymentProgressing); c == nil || c.Reason != ReasonNewReplicaSet {
		t.Errorf("Progressing = %+v, want NewReplicaSetCreated", c)
	}
	if events := f.takeEvents(); !slices.Contains(events, "Normal ScalingReplicaSet Scaled up replica set "+rs.Name+" to 3") {
		t.Errorf("events = %v", events)
	}
}

// TestComputeHash: deterministic, salted by collisionCount, sensitive to
// the template, and pinned so a change of hashing is noticed (ReplicaSet
// names of existing Deployments would change with it).
func TestComputeHash(t *testing.T) {
	t.Parallel()
	tmpl := newDeployment("web", 1).Spec.Template
	h := ComputeHash(&tmpl, nil)
	if h != ComputeHash(tmpl.DeepCopy(), nil) {
		t.Error("hash not deterministic")
	}
	if h == ComputeHash(&tmpl, ptr.To[int32](1)) {
		t.Error("collisionCount does not change the hash")
	}
	other := newDeployment("web", 1, withImage("nginx:2")).Spec.Template
	if h == ComputeHash(&other, nil) {
		t.Error("image does not change the hash")
	}
	if want := pinnedHash; h != want {
		t.Errorf("hash = %q, want %q", h, want)
	}
}

// TestRollingUpdateRespectsFenceposts walks a 3-replica rolling update with
// maxSurge 1 / maxUnavailable 0: one new pod at a time, never fewer than 3
// available, never more than 4 pods.
func TestRollingUpdateRespectsFenceposts(t *testing.T) {
	t.Parallel()
	d := newDeployment("web", 3, withFenceposts(intstr.FromInt32(1), intstr.FromInt32(0)))
	old := replicaSetFor(d, 1, 3)
	f := newFixture(t, d, old)
	d = f.deployment("web")
	d.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	f.update(d)

	var steps []string
	for range 12 {
		f.sync("web")
		rss := f.replicaSets()
		steps = append(steps, sizes(rss))
		if total := specReplicaSum(rss); total > 4 {
			t.Fatalf("%d pods, more than replicas+maxSurge", total)
		}
		for _, rs := range rss {
			f.setRSStatus(rs.Name, rsReplicas(rs)) // every pod becomes available
		}
		if avail := availableReplicaSum(f.replicaSets()); avail < 3 && len(steps) > 1 {
			t.Fatalf("%d available, fewer than replicas-maxUnavailable", avail)
		}
	}
	want := []string{"r1=3 r2=1", "r1=2 r2=1", "r1=2 r2=2", "r1=1 r2=2", "r1=1 r2=3", "r1=0 r2=3"}
	if !slices.Equal(steps[:len(want)], want) {
		t.Errorf("steps = %v, want prefix %v", steps, want)
	}
	got := f.deployment("web")
	s := got.Status
	if s.Replicas != 3 || s.UpdatedReplicas != 3 || s.AvailableReplicas != 3 || s.UnavailableReplicas != 0 || s.ObservedGeneration != got.Generation {
		t.Errorf("status = %+v", s)
	}
	if c := getCondition(s, appsv1.DeploymentProgressing); c == nil || c.Reason != ReasonNewRSAvailable || c.Status != corev1.ConditionTrue {
		t.Errorf("Progressing = %+v, want NewReplicaSetAvailable", c)
	}
	if c := getCondition(s, appsv1.DeploymentAvailable); c == nil || c.Reason != ReasonMinimumReplicasAvailable {
		t.Errorf("Available = %+v", c)
	}
	if got.Annotations[RevisionAnnotation] != "2" {
		t.Errorf("revision = %q, want 2", got.Annotations[RevisionAnnotation])
	}
}

// TestRecreate scales the old ReplicaSet to zero and creates the new one
// only once no old pod is left.
func TestRecreate(t *testing.T) {
	t.Parallel()
	d := newDeployment("web", 3, recreate)
	old := replicaSetFor(d, 1, 3)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		Name: "web-old", Namespace: ns, Labels: old.Spec.Template.Labels,
		OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(old, appsv1.SchemeGroupVersion.WithKind("ReplicaSet"))},
	}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	f := newFixture(t, d, old, pod)
	d = f.deployment("web")
	d.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	f.update(d)

	f.sync("web")
	if got := sizes(f.replicaSets()); got != "r1=0" {
		t.Fatalf("after first sync %s, want r1=0", got)
	}
	f.setRSStatus(old.Name, 0)
	f.sync("web")
	if got := sizes(f.replicaSets()); got != "r1=0" {
		t.Fatalf("with an old pod still running: %s, want r1=0", got)
	}
	f.must(f.client.CoreV1().Pods(ns).Delete(t.Context(), "web-old", metav1.DeleteOptions{}))
	f.sync("web")
	if got := sizes(f.replicaSets()); got != "r1=0 r2=3" {
		t.Fatalf("after the old pod went: %s, want r1=0 r2=3", got)
	}
}

// TestProportionalSizes: rows after upstream's TestScale proportional
// cases: the change is spread by size, the leftover to the largest.
func TestProportionalSizes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		replicas int32
		old, new int32
		wantOld  int32
		wantNew  int32
		wantOp   string
	}{
		{name: "scale up mid-rollout", replicas: 20, old: 8, new: 5, wantOld: 14, wantNew: 9, wantOp: "up"},
		{name: "scale down mid-rollout", replicas: 5, old: 8, new: 5, wantOld: 5, wantNew: 3, wantOp: "down"},
		{name: "scale to zero", replicas: 0, old: 8, new: 5, wantOld: 0, wantNew: 0, wantOp: "down"},
		{name: "no change", replicas: 10, old: 8, new: 5, wantOld: 8, wantNew: 5, wantOp: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before := newDeployment("web", 10, withFenceposts(intstr.FromInt32(3), intstr.FromInt32(0)))
			old := replicaSetFor(before, 1, tc.old)
			d := newDeployment("web", tc.replicas, withFenceposts(intstr.FromInt32(3), intstr.FromInt32(0)), withImage("nginx:2"))
			newRS := replicaSetFor(before, 2, tc.new)
			newRS.Name = "web-new"
			got, op := proportionalSizes(d, []*appsv1.ReplicaSet{old, newRS})
			if got[old.Name] != tc.wantOld || got["web-new"] != tc.wantNew || op != tc.wantOp {
				t.Errorf("sizes = %v %q, want old %d new %d %q", got, op, tc.wantOld, tc.wantNew, tc.wantOp)
			}
		})
	}
}

// TestScalingMidRolloutIsProportional: scaling the Deployment while two
// ReplicaSets are active is a scaling event, not a rollout step.
func TestScalingMidRolloutIsProportional(t *testing.T) {
	t.Parallel()
	before := newDeployment("web", 10, withFenceposts(intstr.FromInt32(3), intstr.FromInt32(0)))
	old := replicaSetFor(before, 1, 8)
	after := newDeployment("web", 10, withFenceposts(intstr.FromInt32(3), intstr.FromInt32(0)), withImage("nginx:2"))
	newRS := replicaSetFor(after, 2, 5)
	newRS.Status.AvailableReplicas, newRS.Status.ReadyReplicas = 0, 0
	after.Spec.Replicas = ptr.To[int32](20)
	f := newFixture(t, after, old, newRS)
	f.sync("web")
	if got := sizes(f.replicaSets()); got != "r1=14 r2=9" {
		t.Errorf("sizes = %s, want r1=14 r2=9", got)
	}
	for _, rs := range f.replicaSets() {
		if rs.Annotations[DesiredReplicasAnnotation] != "20" || rs.Annotations[MaxReplicasAnnotation] != "23" {
			t.Errorf("%s annotations = %v", rs.Name, rs.Annotations)
		}
	}
}

// TestCleanupKeepsRevisionHistoryLimit deletes the oldest scaled-down
// ReplicaSets beyond the limit, never one that still has replicas.
func TestCleanupKeepsRevisionHistoryLimit(t *testing.T) {
	t.Parallel()
	d := newDeployment("web", 2, withImage("nginx:9"))
	d.Spec.RevisionHistoryLimit = ptr.To[int32](1)
	objs := []runtime.Object{d}
	for rev, image := range []string{"nginx:1", "nginx:2", "nginx:3", "nginx:4"} {
		rs := replicaSetFor(newDeployment("web", 2, withImage(image)), rev+1, 0)
		if rev == 0 {
			rs.Status.Replicas = 1 // a pod still terminating: kept
		}
		objs = append(objs, rs)
	}
	objs = append(objs, replicaSetFor(d, 5, 2))
	f := newFixture(t, objs...)
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 2, UpdatedReplicas: 2, AvailableReplicas: 2, ReadyReplicas: 2}
	_, err := f.client.AppsV1().Deployments(ns).UpdateStatus(t.Context(), d, metav1.UpdateOptions{})
	f.must(err)
	f.sync("web")
	if got := sizes(f.replicaSets()); got != "r1=0 r4=0 r5=2" {
		t.Errorf("left %s, want r1=0 r4=0 r5=2", got)
	}
}

// TestProgressDeadlineExceeded: no progress for progressDeadlineSeconds
// turns Progressing False; until then the Deployment is requeued for the
// deadline.
func TestProgressDeadlineExceeded(t *testing.T) {
	t.Parallel()
	d := newDeployment("web", 3)
	newRS := replicaSetFor(d, 1, 3)
	newRS.Status.AvailableReplicas, newRS.Status.ReadyReplicas = 0, 0
	d.Annotations = map[string]string{RevisionAnnotation: "1"}
	f := newFixture(t, d, newRS)
	f.sync("web")
	d = f.deployment("web")
	if c := getCondition(d.Status, appsv1.DeploymentAvailable); c == nil || c.Reason != ReasonMinimumReplicasUnavailable {
		t.Errorf("Available = %+v, want MinimumReplicasUnavailable", c)
	}
	d.Status.Conditions = append(d.Status.Conditions, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonReplicaSetUpdated, "x", t0))
	_, err := f.client.AppsV1().Deployments(ns).UpdateStatus(t.Context(), d, metav1.UpdateOptions{})
	f.must(err)

	f.clock.Step(599 * time.Second)
	f.sync("web")
	if c := getCondition(f.deployment("web").Status, appsv1.DeploymentProgressing); c.Reason != ReasonReplicaSetUpdated {
		t.Fatalf("before the deadline Progressing = %+v", c)
	}
	f.clock.Step(2 * time.Second)
	f.sync("web")
	c := getCondition(f.deployment("web").Status, appsv1.DeploymentProgressing)
	if c.Reason != ReasonTimedOut || c.Status != corev1.ConditionFalse || c.Message != `ReplicaSet "`+newRS.Name+`" has timed out progressing.` {
		t.Errorf("after the deadline Progressing = %+v", c)
	}
}

// TestPausedScalesButDoesNotRollOut: a paused Deployment with a new
// template gets no new ReplicaSet, but a replicas change still applies.
func TestPausedScalesButDoesNotRollOut(t *testing.T) {
	t.Parallel()
	d := newDeployment("web", 3)
	old := replicaSetFor(d, 1, 3)
	d = newDeployment("web", 5, withImage("nginx:2"))
	d.Spec.Paused = true
	f := newFixture(t, d, old)
	f.sync("web")
	if got := sizes(f.replicaSets()); got != "r1=5" {
		t.Errorf("sizes = %s, want r1=5", got)
	}
	if c := getCondition(f.deployment("web").Status, appsv1.DeploymentProgressing); c == nil || c.Reason != ReasonPaused || c.Status != corev1.ConditionUnknown {
		t.Errorf("Progressing = %+v, want Unknown DeploymentPaused", c)
	}
	d = f.deployment("web")
	d.Spec.Paused = false
	f.update(d)
	f.sync("web")
	if c := getCondition(f.deployment("web").Status, appsv1.DeploymentProgressing); c == nil || c.Reason == ReasonPaused {
		t.Errorf("after resume Progressing = %+v", c)
	}
	if len(f.replicaSets()) != 2 {
		t.Errorf("after resume %s, want a new ReplicaSet", sizes(f.replicaSets()))
	}
}

// TestRollbackBumpsRevision: kubectl rollout undo copies revision 1's
// template back; that ReplicaSet becomes revision 3 and remembers 1.
func TestRollbackBumpsRevision(t *testing.T) {
	t.Parallel()
	v1 := newDeployment("web", 2)
	rs1 := replicaSetFor(v1, 1, 0)
	rs2 := replicaSetFor(newDeployment("web", 2, withImage("nginx:2")), 2, 2)
	f := newFixture(t, v1, rs1, rs2)
	f.sync("web")
	rss := f.replicaSets()
	back := rss[len(rss)-1]
	if back.Name != rs1.Name || back.Annotations[RevisionAnnotation] != "3" || back.Annotations[RevisionHistoryAnnotation] != "1" {
		t.Errorf("rolled-back ReplicaSet %s annotations %v", back.Name, back.Annotations)
	}
	f.sync("web")
	if rev := f.deployment("web").Annotations[RevisionAnnotation]; rev != "3" {
		t.Errorf("deployment revision = %q, want 3", rev)
	}
}

// TestAdoptsOrphanReplicaSet: a matching ReplicaSet without a controller is
// adopted by patching an ownerReference onto it.
func TestAdoptsOrphanReplicaSet(t *testing.T) {
	t.Parallel()
	d := newDeployment("web", 2)
	orphan := replicaSetFor(d, 1, 2)
	orphan.OwnerReferences = nil
	f := newFixture(t, d, orphan)
	f.sync("web")
	rss := f.replicaSets()
	if len(rss) != 1 || !metav1.IsControlledBy(rss[0], d) {
		t.Errorf("ReplicaSets %v, want the orphan adopted", rss)
	}
}

// pinnedHash is ComputeHash of newDeployment's template with k8s.io/api
// v0.37.2; it changes only when the API types or the hashing change.
const pinnedHash = "59b6df6b58"
