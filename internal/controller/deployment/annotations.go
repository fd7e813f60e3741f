package deployment

import (
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// Annotation keys the controller writes on ReplicaSets (and the revision on
// the Deployment), as upstream; kubectl rollout history and undo read them.
const (
	// RevisionAnnotation is the rollout sequence number of a ReplicaSet;
	// the Deployment carries the one of its new ReplicaSet.
	RevisionAnnotation = "deployment.kubernetes.io/revision"
	// RevisionHistoryAnnotation lists, comma-separated, the earlier
	// revisions a ReplicaSet served before a rollback brought it back.
	RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
	// DesiredReplicasAnnotation is the Deployment's spec.replicas when the
	// ReplicaSet was last scaled: a different value marks a scaling event.
	DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
	// MaxReplicasAnnotation is spec.replicas+maxSurge at that time, the base
	// of proportional scaling.
	MaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas"

	// deprecatedRollbackTo is the annotation extensions/v1beta1 rollbacks
	// were converted to; never copied between objects.
	deprecatedRollbackTo = "deprecated.deployment.rollback.to"

	// maxRevHistoryLengthInChars caps the revision-history annotation;
	// the oldest entries are dropped first.
	maxRevHistoryLengthInChars = 2000
)

// skipCopy reports whether annotation key stays out of the copy from a
// Deployment to its new ReplicaSet (and out of a rollback's copy back).
func skipCopy(key string) bool {
	switch key {
	case corev1.LastAppliedConfigAnnotation, RevisionAnnotation, RevisionHistoryAnnotation,
		DesiredReplicasAnnotation, MaxReplicasAnnotation, deprecatedRollbackTo:
		return true
	}
	return false
}

// revision is an object's revision annotation; missing means 0.
func revision(annotations map[string]string) (int64, error) {
	v, ok := annotations[RevisionAnnotation]
	if !ok {
		return 0, nil
	}
	return strconv.ParseInt(v, 10, 64)
}

// maxRevision is the highest parsable revision among rss.
func maxRevision(rss []*appsv1.ReplicaSet) int64 {
	highest := int64(0)
	for _, rs := range rss {
		if v, err := revision(rs.Annotations); err == nil && v > highest {
			highest = v
		}
	}
	return highest
}

// setNewReplicaSetAnnotations copies d's annotations to its new ReplicaSet
// and raises the ReplicaSet's revision to newRevision if lower. A raise on
// a ReplicaSet that already had a revision is a rollback to it (kubectl
// rollout undo copied its template back), so the old number is appended to
// the revision-history annotation. A ReplicaSet about to be created also
// gets the replicas annotations. It reports whether anything changed.
func setNewReplicaSetAnnotations(d *appsv1.Deployment, rs *appsv1.ReplicaSet, newRevision int64, exists bool) bool {
	changed := copyAnnotations(d.Annotations, rs)
	old, had := rs.Annotations[RevisionAnnotation]
	oldRevision, err := strconv.ParseInt(old, 10, 64)
	if err != nil {
		if old != "" {
			// Upstream leaves a ReplicaSet with a garbled revision alone.
			return false
		}
		oldRevision = 0
	}
	if oldRevision < newRevision {
		rs.Annotations[RevisionAnnotation] = strconv.FormatInt(newRevision, 10)
		changed = true
		if had {
			appendRevisionHistory(rs, old)
		}
	}
	if !exists && setReplicasAnnotations(rs, desiredReplicas(d), desiredReplicas(d)+maxSurge(d)) {
		changed = true
	}
	return changed
}

// appendRevisionHistory adds old to the revision-history annotation,
// dropping the oldest entries to stay within maxRevHistoryLengthInChars.
func appendRevisionHistory(rs *appsv1.ReplicaSet, old string) {
	history := rs.Annotations[RevisionHistoryAnnotation]
	if history == "" {
		rs.Annotations[RevisionHistoryAnnotation] = old
		return
	}
	entries := strings.Split(history, ",")
	total := len(history) + len(old) + 1
	start := 0
	for total > maxRevHistoryLengthInChars && start < len(entries) {
		total -= len(entries[start]) + 1
		start++
	}
	if total <= maxRevHistoryLengthInChars {
		rs.Annotations[RevisionHistoryAnnotation] = strings.Join(append(entries[start:], old), ",")
	}
}

// copyAnnotations copies every annotation not skipped from src to rs.
func copyAnnotations(src map[string]string, rs *appsv1.ReplicaSet) bool {
	if rs.Annotations == nil {
		rs.Annotations = make(map[string]string)
	}
	changed := false
	for k, v := range src {
		if skipCopy(k) || rs.Annotations[k] == v {
			continue
		}
		rs.Annotations[k] = v
		changed = true
	}
	return changed
}

// setReplicasAnnotations records desired and max replicas on rs.
func setReplicasAnnotations(rs *appsv1.ReplicaSet, desired, max int32) bool {
	if rs.Annotations == nil {
		rs.Annotations = make(map[string]string)
	}
	changed := false
	for key, v := range map[string]int32{DesiredReplicasAnnotation: desired, MaxReplicasAnnotation: max} {
		if s := strconv.Itoa(int(v)); rs.Annotations[key] != s {
			rs.Annotations[key] = s
			changed = true
		}
	}
	return changed
}

// replicasAnnotationsNeedUpdate reports whether setReplicasAnnotations
// would change rs.
func replicasAnnotationsNeedUpdate(rs *appsv1.ReplicaSet, desired, max int32) bool {
	return rs.Annotations[DesiredReplicasAnnotation] != strconv.Itoa(int(desired)) ||
		rs.Annotations[MaxReplicasAnnotation] != strconv.Itoa(int(max))
}

// intAnnotation reads an integer annotation of rs.
func intAnnotation(rs *appsv1.ReplicaSet, key string) (int32, bool) {
	v, ok := rs.Annotations[key]
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, false
	}
	return int32(n), true
}

// setDeploymentRevision sets d's revision annotation, reporting a change.
func setDeploymentRevision(d *appsv1.Deployment, rev string) bool {
	if d.Annotations == nil {
		d.Annotations = make(map[string]string)
	}
	if d.Annotations[RevisionAnnotation] == rev {
		return false
	}
	d.Annotations[RevisionAnnotation] = rev
	return true
}
