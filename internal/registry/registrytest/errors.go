// Package registrytest holds what the registry packages' tests share.
package registrytest

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// CheckErrors compares validation errors, as clients read them, with want,
// in order.
func CheckErrors(t testing.TB, errs field.ErrorList, want ...string) {
	t.Helper()
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n got: %v\nwant: %q", len(errs), len(want), errs, want)
	}
	for i := range want {
		if got := errs[i].Error(); got != want[i] {
			t.Errorf("error %d:\n got: %s\nwant: %s", i, got, want[i])
		}
	}
}
