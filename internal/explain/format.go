package explain

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// selectorString renders a budget selector as kubectl would, with the two
// special cases spelled out.
func selectorString(sel *metav1.LabelSelector) string {
	if sel == nil {
		return "<none: selects nothing>"
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return "<invalid: " + err.Error() + ">"
	}
	if s.Empty() {
		return "{} (every pod in the namespace)"
	}
	return s.String()
}

func labelString(l map[string]string) string {
	if len(l) == 0 {
		return "{}"
	}
	return "{" + labels.Set(l).String() + "}"
}

func sorted(s []string) []string {
	slices.Sort(s)
	return s
}
