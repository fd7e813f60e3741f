package server

import (
	"fmt"
	"net/http"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/evictd/evictd/internal/apiserver"
)

// unsupportedMessages say why evictd cannot serve each streaming or proxy
// subresource of kube-apiserver: its pods are simulated.
var unsupportedMessages = map[string]string{
	"pods/exec":        "simulated containers run no process to exec into",
	"pods/attach":      "simulated containers run no process to attach to",
	"pods/portforward": "simulated pods listen on no port",
	"pods/proxy":       "simulated pods serve no HTTP",
	"services/proxy":   "simulated pods behind the service serve no HTTP",
	"nodes/proxy":      "simulated kubelets serve no HTTP endpoint",
}

// refuseUnsupported answers kube-apiserver's streaming and proxy
// subresources (pods/exec, attach, portforward, proxy, services/proxy,
// nodes/proxy) with a 501 Status that says evictd does not support them,
// where the API server would otherwise answer a bare 404 "the server
// could not find the requested resource". 501 Not Implemented says what
// is true (the server lacks the function, the request is fine) and, unlike
// 503, client-go never retries it; kubectl exec, attach and port-forward
// print the Status's message after their WebSocket upgrade falls back to
// SPDY (docs/api-coverage.md). Nothing checks that the object exists: no
// answer could be better than this one.
func refuseUnsupported(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resource, name, sub, ok := streamingSubresource(r.URL.Path)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		why := unsupportedMessages[resource+"/"+sub]
		apiserver.WriteStatus(w, &metav1.Status{
			Status:  metav1.StatusFailure,
			Code:    http.StatusNotImplemented,
			Reason:  reasonNotImplemented,
			Message: fmt.Sprintf("%s/%s is not supported by evictd: %s", resource, sub, why),
			Details: &metav1.StatusDetails{Name: name, Kind: resource},
		})
	})
}

// reasonNotImplemented is the Status reason of a 501; metav1 names no
// reason for it, and kubectl prints this one as "Error from server
// (NotImplemented): …".
const reasonNotImplemented metav1.StatusReason = "NotImplemented"

// streamingSubresource matches /api/v1/namespaces/{ns}/pods/{name}/{exec,
// attach,portforward,proxy}, …/services/{name}/proxy and
// /api/v1/nodes/{name}/proxy, proxies with any path after them. Pods and
// services are namespaced, nodes are not.
func streamingSubresource(path string) (resource, name, sub string, ok bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) < 5 || parts[0] != "api" || parts[1] != "v1" {
		return "", "", "", false
	}
	parts = parts[2:]
	namespaced := parts[0] == "namespaces" && len(parts) >= 5
	if namespaced {
		parts = parts[2:]
	}
	resource, name, sub = parts[0], parts[1], parts[2]
	if _, known := unsupportedMessages[resource+"/"+sub]; !known || name == "" || namespaced != (resource != "nodes") {
		return "", "", "", false
	}
	// Only proxies take a path beyond the subresource.
	if len(parts) > 3 && sub != "proxy" {
		return "", "", "", false
	}
	return resource, name, sub, true
}
