package namespace

import (
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
)

// conditionTypes are the namespace conditions this controller owns, in
// upstream's order.
var conditionTypes = []corev1.NamespaceConditionType{
	corev1.NamespaceDeletionDiscoveryFailure,
	corev1.NamespaceDeletionGVParsingFailure,
	corev1.NamespaceDeletionContentFailure,
	corev1.NamespaceContentRemaining,
	corev1.NamespaceFinalizersRemaining,
}

// okConditions are the False ("all good") variants, with upstream's
// reasons and messages.
var okConditions = map[corev1.NamespaceConditionType][2]string{
	corev1.NamespaceDeletionDiscoveryFailure: {"ResourcesDiscovered", "All resources successfully discovered"},
	corev1.NamespaceDeletionGVParsingFailure: {"ParsedGroupVersions", "All legacy kube types successfully parsed"},
	corev1.NamespaceDeletionContentFailure:   {"ContentDeleted", "All content successfully deleted, may be waiting on finalization"},
	corev1.NamespaceContentRemaining:         {"ContentRemoved", "All content successfully removed"},
	corev1.NamespaceFinalizersRemaining:      {"ContentHasNoFinalizers", "All content-preserving finalizers finished"},
}

// conditionUpdater collects one sync's failures and totals, then turns
// them into the namespace's conditions.
type conditionUpdater struct {
	now           metav1.Time
	conditions    []corev1.NamespaceCondition
	contentErrors []string
}

func (u *conditionUpdater) set(t corev1.NamespaceConditionType, reason, message string) {
	u.conditions = append(u.conditions, corev1.NamespaceCondition{
		Type: t, Status: corev1.ConditionTrue, LastTransitionTime: u.now, Reason: reason, Message: message,
	})
}

func (u *conditionUpdater) discoveryFailed(err error) {
	msg := err.Error()
	if derr, ok := err.(*discovery.ErrGroupDiscoveryFailed); ok {
		msg = fmt.Sprintf("Discovery failed for some groups, %d failing: %v", len(derr.Groups), err)
	}
	u.set(corev1.NamespaceDeletionDiscoveryFailure, "DiscoveryFailed", msg)
}

func (u *conditionUpdater) groupVersionFailed(err error) {
	u.set(corev1.NamespaceDeletionGVParsingFailure, "GroupVersionParsingFailed", err.Error())
}

func (u *conditionUpdater) deleteContentFailed(err error) {
	u.contentErrors = append(u.contentErrors, err.Error())
}

// contentTotals reports what remains, sorted for stable messages.
func (u *conditionUpdater) contentTotals(total remaining) {
	var byResource, byFinalizer []string
	for gvr, n := range total.byResource {
		byResource = append(byResource, fmt.Sprintf("%s.%s has %d resource instances", gvr.Resource, gvr.Group, n))
	}
	for f, n := range total.byFinalizer {
		if n > 0 {
			byFinalizer = append(byFinalizer, fmt.Sprintf("%s in %d resource instances", f, n))
		}
	}
	if len(byResource) > 0 {
		slices.Sort(byResource)
		u.set(corev1.NamespaceContentRemaining, "SomeResourcesRemain", "Some resources are remaining: "+strings.Join(byResource, ", "))
	}
	if len(byFinalizer) > 0 {
		slices.Sort(byFinalizer)
		u.set(corev1.NamespaceFinalizersRemaining, "SomeFinalizersRemain", "Some content in the namespace has finalizers remaining: "+strings.Join(byFinalizer, ", "))
	}
}

// apply writes every owned condition into status (the failure if one was
// recorded, else the "all good" variant) and reports whether anything
// changed. lastTransitionTime moves only when the status flips.
func (u *conditionUpdater) apply(status *corev1.NamespaceStatus) bool {
	if len(u.contentErrors) > 0 {
		slices.Sort(u.contentErrors)
		u.set(corev1.NamespaceDeletionContentFailure, "ContentDeletionFailed", fmt.Sprintf(
			"Failed to delete all resource types, %d remaining: %v", len(u.contentErrors), strings.Join(u.contentErrors, ", ")))
	}
	changed := false
	for _, t := range conditionTypes {
		want := u.find(t)
		i := slices.IndexFunc(status.Conditions, func(c corev1.NamespaceCondition) bool { return c.Type == t })
		if i < 0 {
			status.Conditions = append(status.Conditions, want)
			changed = true
			continue
		}
		old := &status.Conditions[i]
		if old.Status == want.Status && old.Reason == want.Reason && old.Message == want.Message {
			continue
		}
		if old.Status != want.Status {
			old.LastTransitionTime = u.now
		}
		old.Status, old.Reason, old.Message = want.Status, want.Reason, want.Message
		changed = true
	}
	return changed
}

func (u *conditionUpdater) find(t corev1.NamespaceConditionType) corev1.NamespaceCondition {
	for _, c := range u.conditions {
		if c.Type == t {
			return c
		}
	}
	ok := okConditions[t]
	return corev1.NamespaceCondition{Type: t, Status: corev1.ConditionFalse, LastTransitionTime: u.now, Reason: ok[0], Message: ok[1]}
}

func secs(n int64) time.Duration { return time.Duration(n) * time.Second }
