package components

import (
	"testing"

	"github.com/evictd/evictd/internal/component"
)

// TestKubeControllerManagerNamesSelect checks that every name
// kube-controller-manager knows a component by selects that component
// alone, and that the table names no component evictd lacks.
func TestKubeControllerManagerNamesSelect(t *testing.T) {
	t.Parallel()
	all := Controllers(Options{})
	for name, aliases := range kcmNames {
		if _, err := component.Find(all, name); err != nil {
			t.Errorf("kcmNames lists %q, which is no component: %v", name, err)
		}
		for _, alias := range aliases {
			got, err := component.Select(all, []string{alias})
			if err != nil {
				t.Errorf("--controllers=%s: %v", alias, err)
				continue
			}
			if names := component.Names(got); len(names) != 1 || names[0] != name {
				t.Errorf("--controllers=%s selects %v, want [%s]", alias, names, name)
			}
		}
	}
}
