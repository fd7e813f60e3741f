package openapi_test

import (
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/openapi"
)

// allVerbs are the verbs of every resource evictd serves.
var allVerbs = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}

// served is the resource list evictd serves.
func served() []openapi.Resource {
	return []openapi.Resource{
		core("Pod", "pods", true, &corev1.Pod{}, "status", "binding", "eviction"),
		core("Node", "nodes", false, &corev1.Node{}, "status"),
		core("Namespace", "namespaces", false, &corev1.Namespace{}, "status"),
		core("Event", "events", true, &corev1.Event{}),
		core("Service", "services", true, &corev1.Service{}, "status"),
		core("ConfigMap", "configmaps", true, &corev1.ConfigMap{}),
		core("Secret", "secrets", true, &corev1.Secret{}),
		core("ServiceAccount", "serviceaccounts", true, &corev1.ServiceAccount{}),
		core("Endpoints", "endpoints", true, &corev1.Endpoints{}),
		core("ReplicationController", "replicationcontrollers", true, &corev1.ReplicationController{}, "status", "scale"),
		{Group: "events.k8s.io", Version: "v1", Kind: "Event", Plural: "events", Namespaced: true, Object: &eventsv1.Event{}, Verbs: allVerbs},
		{Group: "coordination.k8s.io", Version: "v1", Kind: "Lease", Plural: "leases", Namespaced: true, Object: &coordinationv1.Lease{}, Verbs: allVerbs},
		{Group: "policy", Version: "v1", Kind: "PodDisruptionBudget", Plural: "poddisruptionbudgets", Namespaced: true, Object: &policyv1.PodDisruptionBudget{}, Subresources: []string{"status"}, Verbs: allVerbs},
		apps("ReplicaSet", "replicasets", &appsv1.ReplicaSet{}, "status", "scale"),
		apps("Deployment", "deployments", &appsv1.Deployment{}, "status", "scale"),
		apps("StatefulSet", "statefulsets", &appsv1.StatefulSet{}, "status", "scale"),
		apps("DaemonSet", "daemonsets", &appsv1.DaemonSet{}, "status"),
		apps("ControllerRevision", "controllerrevisions", &appsv1.ControllerRevision{}),
		{Group: "batch", Version: "v1", Kind: "Job", Plural: "jobs", Namespaced: true, Object: &batchv1.Job{}, Subresources: []string{"status"}, Verbs: allVerbs},
		{Group: "discovery.k8s.io", Version: "v1", Kind: "EndpointSlice", Plural: "endpointslices", Namespaced: true, Object: &discoveryv1.EndpointSlice{}, Verbs: allVerbs},
	}
}

func core(kind, plural string, namespaced bool, obj runtime.Object, subs ...string) openapi.Resource {
	return openapi.Resource{Version: "v1", Kind: kind, Plural: plural, Namespaced: namespaced, Object: obj, Subresources: subs, Verbs: allVerbs}
}

func apps(kind, plural string, obj runtime.Object, subs ...string) openapi.Resource {
	return openapi.Resource{Group: "apps", Version: "v1", Kind: kind, Plural: plural, Namespaced: true, Object: obj, Subresources: subs, Verbs: allVerbs}
}

// shared is built once for all tests: Documents is immutable, and tests
// running in parallel against one value also exercise concurrent serving.
var shared = sync.OnceValues(func() (*openapi.Documents, error) { return openapi.New("v1.33.0", served()) })

// newDocuments returns the documents for served().
func newDocuments(t testing.TB) *openapi.Documents {
	t.Helper()
	d, err := shared()
	if err != nil {
		t.Fatal(err)
	}
	return d
}
