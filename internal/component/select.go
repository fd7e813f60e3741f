package component

import (
	"fmt"
	"strings"
)

// Select filters all by a kube-controller-manager style --controllers list:
// "*" enables every component not disabled by default, "NAME" enables one,
// "-NAME" disables one; a NAME may be an alias. The last word about a
// component wins; a name that is not
// known is an error. "false" or "none" alone selects nothing and "true"
// alone means "*", so that --controllers=false reads as it always did.
func Select(all []Component, spec []string) ([]Component, error) {
	if len(spec) == 1 {
		switch spec[0] {
		case "false", "none", "":
			return nil, nil
		case "true":
			spec = []string{"*"}
		}
	}
	star := false
	explicit := map[string]bool{}
	for _, word := range spec {
		word = strings.TrimSpace(word)
		name, enable := strings.CutPrefix(word, "-")
		enable = !enable
		if name == "*" {
			if !enable {
				return nil, fmt.Errorf("--controllers: %q is not allowed, use \"*\" and \"-NAME\"", word)
			}
			star = true
			continue
		}
		c, err := Find(all, name)
		if err != nil {
			return nil, fmt.Errorf("--controllers: %w", err)
		}
		explicit[c.Name] = enable
	}
	var selected []Component
	for _, c := range all {
		on, said := explicit[c.Name]
		if !said {
			on = star && !c.DisabledByDefault
		}
		if on {
			selected = append(selected, c)
		}
	}
	return selected, nil
}
