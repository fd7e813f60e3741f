package expectations

import (
	"testing"

	clocktesting "k8s.io/utils/clock/testing"
)

func TestUIDTracking(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		observed []string
		wantDel  int
		wantKeys int
	}{
		{name: "nothing observed", wantDel: 2, wantKeys: 2},
		{name: "one pod seen terminating then deleted counts once", observed: []string{"ns/a", "ns/a"}, wantDel: 1, wantKeys: 1},
		{name: "an unexpected pod is ignored", observed: []string{"ns/c"}, wantDel: 2, wantKeys: 2},
		{name: "both observed", observed: []string{"ns/b", "ns/a"}, wantDel: 0, wantKeys: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := NewUIDTracking(clocktesting.NewFakeClock(t0))
			u.ExpectDeletions("ns/rs", []string{"ns/a", "ns/b", "ns/a"})
			for _, k := range tt.observed {
				u.DeletionObserved("ns/rs", k)
			}
			if _, del, _ := u.Get("ns/rs"); del != tt.wantDel {
				t.Errorf("deletions pending = %d, want %d", del, tt.wantDel)
			}
			if n := u.GetUIDs("ns/rs").Len(); n != tt.wantKeys {
				t.Errorf("tracked keys = %d, want %d", n, tt.wantKeys)
			}
			if got, want := u.SatisfiedExpectations("ns/rs"), tt.wantDel == 0; got != want {
				t.Errorf("SatisfiedExpectations = %v, want %v", got, want)
			}
		})
	}
}

func TestUIDTrackingDeleteExpectations(t *testing.T) {
	t.Parallel()
	u := NewUIDTracking(clocktesting.NewFakeClock(t0))
	u.ExpectCreations("ns/rs", 1)
	u.ExpectDeletions("ns/rs", []string{"ns/a"})
	u.DeleteExpectations("ns/rs")
	if u.GetUIDs("ns/rs") != nil {
		t.Error("tracked keys survived DeleteExpectations")
	}
	if _, _, ok := u.Get("ns/rs"); ok {
		t.Error("record survived DeleteExpectations")
	}
	// A late observation after the delete changes nothing.
	u.DeletionObserved("ns/rs", "ns/a")
	if !u.SatisfiedExpectations("ns/rs") {
		t.Error("not satisfied after DeleteExpectations")
	}
}
