package server

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/evictd/evictd/internal/scheme"
)

// isEviction matches POST pods/{name}/eviction by its request labels
// (verb, dry_run, group, version, resource, subresource, …): the requests
// evictd_evictions_total counts.
func isEviction(labels []string) bool {
	return labels[0] == "POST" && labels[2] == "" && labels[4] == "pods" && labels[5] == "eviction"
}

// evictionReason is the reason label of an eviction's answer: Evicted
// when it succeeded, else the reason of the Status it answered (in JSON,
// YAML or protobuf), as the eviction handler's log line names it;
// Unknown when the Status gives none (the 500 for a pod under two
// budgets) or the body is not a Status.
func evictionReason(code int, body []byte) string {
	if code >= 200 && code < 300 {
		return "Evicted"
	}
	obj, _, err := scheme.Codecs.UniversalDeserializer().Decode(body, nil, &metav1.Status{})
	if st, ok := obj.(*metav1.Status); ok && err == nil && st.Reason != "" {
		return string(st.Reason)
	}
	return "Unknown"
}
