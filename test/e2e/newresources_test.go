package e2e

import (
	"regexp"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
)

// TestNewResources: kubectl's generators create a secret and a job, and one
// `kubectl get` of several kinds prints each with upstream's columns.
func TestNewResources(t *testing.T) {
	withEachKubectl(t, func(t *testing.T, e *env) {
		e.run(t, "create", "secret", "generic", "creds", "--from-literal=user=admin", "--from-literal=password=s3cret")
		e.run(t, "create", "job", "pi", "--image=perl", "--", "perl", "-e", "print 1")
		ctx := t.Context()
		if _, err := e.client.DiscoveryV1().EndpointSlices("default").Create(ctx, &discoveryv1.EndpointSlice{
			ObjectMeta:  metav1.ObjectMeta{Name: "web-x1", Labels: map[string]string{discoveryv1.LabelServiceName: "web"}},
			AddressType: discoveryv1.AddressTypeIPv4,
			Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"10.244.0.5"}}, {Addresses: []string{"10.244.1.9"}}},
			Ports:       []discoveryv1.EndpointPort{{Name: ptr.To("http"), Port: ptr.To[int32](80)}},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		// The owner must exist, or the garbage collector of `evictd serve`
		// deletes the revision before kubectl lists it.
		owner, err := e.client.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner"}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.AppsV1().ControllerRevisions("default").Create(ctx, &appsv1.ControllerRevision{
			ObjectMeta: metav1.ObjectMeta{Name: "web-5d8f", OwnerReferences: []metav1.OwnerReference{
				{APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID, Controller: ptr.To(true)},
			}},
			Data:     runtime.RawExtension{Raw: []byte(`{"spec":{}}`)},
			Revision: 1,
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}

		tables := splitTables(e.run(t, "get", "secret,job,endpointslices,controllerrevisions").stdout)
		if len(tables) != 4 {
			t.Fatalf("want 4 tables, got %d:\n%q", len(tables), tables)
		}
		secrets := parseTable(t, tables[0])
		secrets.wantColumns(t, "NAME", "TYPE", "DATA", "AGE")
		wantCells(t, secrets.row(t, "secret/creds"), map[string]string{"TYPE": "Opaque", "DATA": "2"})

		// Every kubectl prints the server's columns, STATUS included.
		jobs := parseTable(t, tables[1])
		jobs.wantColumns(t, "NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE")
		// The controllers and kubelets of `evictd serve` may already have
		// run the job's pod to completion.
		if c := jobs.row(t, "job.batch/pi")["COMPLETIONS"]; c != "0/1" && c != "1/1" {
			t.Errorf("COMPLETIONS %q, want 0/1 or 1/1", c)
		}

		slices := parseTable(t, tables[2])
		slices.wantColumns(t, "NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE")
		wantCells(t, slices.row(t, "endpointslice.discovery.k8s.io/web-x1"), map[string]string{"ADDRESSTYPE": "IPv4", "PORTS": "80", "ENDPOINTS": "10.244.0.5,10.244.1.9"})

		revisions := parseTable(t, tables[3])
		revisions.wantColumns(t, "NAME", "CONTROLLER", "REVISION", "AGE")
		wantCells(t, revisions.row(t, "controllerrevision.apps/web-5d8f"), map[string]string{"CONTROLLER": "configmap/owner", "REVISION": "1"})
	})
}

// TestNewResourcesSelectorsAndExplain: field selectors and kubectl explain
// on the new kinds.
func TestNewResourcesSelectorsAndExplain(t *testing.T) {
	withKubectl(t, func(t *testing.T, e *env) {
		e.run(t, "create", "secret", "generic", "creds", "--from-literal=user=admin")
		e.run(t, "create", "secret", "docker-registry", "pull", "--docker-server=r.example.com", "--docker-username=u", "--docker-password=p")
		out := e.run(t, "get", "secrets", "--field-selector", "type=kubernetes.io/dockerconfigjson", "-o", "name").stdout
		if strings.TrimSpace(out) != "secret/pull" {
			t.Errorf("type=kubernetes.io/dockerconfigjson selects %q", out)
		}
		data := e.run(t, "get", "secret", "creds", "-o", "jsonpath={.data.user}").stdout
		if data != "YWRtaW4=" {
			t.Errorf("data.user = %q, want base64 of admin", data)
		}
		for kind, want := range map[string]string{
			"secret.stringData":         `(?m)^FIELD:\s+stringData`,
			"job.spec.backoffLimit":     `(?m)^FIELD:\s+backoffLimit\s+<integer>`,
			"endpointslice.addressType": `(?m)^FIELD:\s+addressType\s+<string>`,
		} {
			if out := e.run(t, "explain", kind).stdout; !regexp.MustCompile(want).MatchString(out) {
				t.Errorf("kubectl explain %s printed nothing matching %q:\n%s", kind, want, out)
			}
		}
	})
}

// splitTables splits the output of a `kubectl get` of several kinds,
// which prints one table per kind separated by a blank line.
func splitTables(out string) []string {
	var tables []string
	for _, part := range strings.Split(strings.TrimSpace(out), "\n\n") {
		if part = strings.TrimSpace(part); part != "" {
			tables = append(tables, part)
		}
	}
	return tables
}
