package drain

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// TestMethodFollowsDiscovery: how pods leave is what /api/v1 advertises
// for pods/eviction, as kubectl's CheckEvictionSupport reads it.
func TestMethodFollowsDiscovery(t *testing.T) {
	t.Parallel()
	eviction := func(group, version string) metav1.APIResource {
		return metav1.APIResource{Name: "pods/eviction", Kind: "Eviction", Group: group, Version: version, Namespaced: true}
	}
	for _, tc := range []struct {
		name      string
		resources []metav1.APIResource
		opts      func(*Options)
		want      string
	}{
		{name: "policy/v1", resources: []metav1.APIResource{{Name: "pods"}, eviction("policy", "v1")}, want: "eviction/policy/v1"},
		{name: "policy/v1beta1 only", resources: []metav1.APIResource{eviction("policy", "v1beta1")}, want: "eviction/policy/v1beta1"},
		{name: "no eviction subresource", resources: []metav1.APIResource{{Name: "pods"}}, want: "delete"},
		{name: "eviction without group", resources: []metav1.APIResource{eviction("", "")}, want: "delete"},
		{name: "disable-eviction", resources: []metav1.APIResource{eviction("policy", "v1")},
			opts: func(o *Options) { o.DisableEviction = true }, want: "delete"},
		{name: "client dry run names what a drain would use", resources: []metav1.APIResource{eviction("policy", "v1")},
			opts: func(o *Options) { o.DryRun = DryRunClient }, want: "eviction/policy/v1"},
	} {
		client := fake.NewClientset()
		client.Resources = []*metav1.APIResourceList{{GroupVersion: "v1", APIResources: tc.resources}}
		opts := DefaultOptions()
		if tc.opts != nil {
			tc.opts(&opts)
		}
		m, err := New(client, opts).method()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := m.String(); got != tc.want {
			t.Errorf("%s: method %s, want %s", tc.name, got, tc.want)
		}
		if paced := m.String() == "eviction/policy/v1"; m.paced() != paced {
			t.Errorf("%s: paced %v, want %v", tc.name, m.paced(), paced)
		}
	}
}
