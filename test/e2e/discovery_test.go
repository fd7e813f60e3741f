package e2e

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// TestVersion: kubectl prints its own version and the server's, from
// /version, and exits 0.
func TestVersion(t *testing.T) {
	withEachKubectl(t, func(t *testing.T, e *env) {
		server, err := e.client.Discovery().ServerVersion()
		if err != nil {
			t.Fatal(err)
		}
		t.Run("plain", func(t *testing.T) {
			out := e.run(t, "version").stdout
			for _, want := range []string{"Client Version:", "Server Version:", server.GitVersion} {
				if !strings.Contains(out, want) {
					t.Errorf("kubectl version printed no %q:\n%s", want, out)
				}
			}
		})
		t.Run("json", func(t *testing.T) {
			var v struct {
				ClientVersion struct{ GitVersion string } `json:"clientVersion"`
				ServerVersion struct{ GitVersion string } `json:"serverVersion"`
			}
			r := e.run(t, "version", "-o", "json")
			if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
				t.Fatalf("decode: %v\n%s", err, r)
			}
			if v.ServerVersion.GitVersion != server.GitVersion {
				t.Errorf("serverVersion.gitVersion %q, want %q", v.ServerVersion.GitVersion, server.GitVersion)
			}
			// kubectl.1.27 must really be a 1.27 client, and so on.
			want := "v" + strings.TrimPrefix(e.name, "kubectl.") + "."
			if e.name == defaultKubectl {
				want = "v1."
			}
			if !strings.HasPrefix(v.ClientVersion.GitVersion, want) {
				t.Errorf("clientVersion.gitVersion %q, want prefix %q", v.ClientVersion.GitVersion, want)
			}
			t.Logf("%s is %s", e.name, v.ClientVersion.GitVersion)
		})
	})
}

// TestAPIResources: discovery lists every served resource with its short
// names, group version and scope.
func TestAPIResources(t *testing.T) {
	withEachKubectl(t, func(t *testing.T, e *env) {
		tb := parseTable(t, e.run(t, "api-resources").stdout)
		tb.wantColumns(t, "NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND")
		want := []map[string]string{
			{"NAME": "pods", "SHORTNAMES": "po", "APIVERSION": "v1", "NAMESPACED": "true", "KIND": "Pod"},
			{"NAME": "nodes", "SHORTNAMES": "no", "APIVERSION": "v1", "NAMESPACED": "false", "KIND": "Node"},
			{"NAME": "namespaces", "SHORTNAMES": "ns", "APIVERSION": "v1", "NAMESPACED": "false", "KIND": "Namespace"},
			{"NAME": "events", "SHORTNAMES": "ev", "APIVERSION": "v1", "NAMESPACED": "true", "KIND": "Event"},
			{"NAME": "events", "SHORTNAMES": "ev", "APIVERSION": "events.k8s.io/v1", "NAMESPACED": "true", "KIND": "Event"},
			{"NAME": "services", "SHORTNAMES": "svc", "APIVERSION": "v1", "NAMESPACED": "true", "KIND": "Service"},
			{"NAME": "configmaps", "SHORTNAMES": "cm", "APIVERSION": "v1", "NAMESPACED": "true", "KIND": "ConfigMap"},
			{"NAME": "leases", "SHORTNAMES": "", "APIVERSION": "coordination.k8s.io/v1", "NAMESPACED": "true", "KIND": "Lease"},
		}
	next:
		for _, w := range want {
			for _, r := range tb.rows {
				if r["NAME"] == w["NAME"] && r["APIVERSION"] == w["APIVERSION"] {
					for col, v := range w {
						if r[col] != v {
							t.Errorf("%s %s: %s is %q, want %q", w["NAME"], w["APIVERSION"], col, r[col], v)
						}
					}
					continue next
				}
			}
			t.Errorf("api-resources lists no %s in %s:\n%v", w["NAME"], w["APIVERSION"], tb.rows)
		}
	})
}

// TestExplain: kubectl explain reads field descriptions from the served
// OpenAPI schemas.
func TestExplain(t *testing.T) {
	withKubectl(t, func(t *testing.T, e *env) {
		out := e.run(t, "explain", "pod.spec.containers").stdout
		for _, want := range []string{
			`FIELD:\s+containers\s+<\[\]Container>`,
			`List of containers belonging to the pod`,
			`(?m)^\s+image\s+<string>`,
		} {
			if !regexp.MustCompile(want).MatchString(out) {
				t.Errorf("kubectl explain printed nothing matching %q:\n%s", want, out)
			}
		}
	})
}
