package server

import (
	"context"
	"slices"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/evictd/evictd/internal/flowcontrol"
)

// TestSelfSubjectReviewReportsTheCaller: whoami answers whoever the
// request authenticated as, the in-process components included.
func TestSelfSubjectReviewReportsTheCaller(t *testing.T) {
	t.Parallel()
	for _, u := range []flowcontrol.User{adminUser, componentsUser} {
		ctx := flowcontrol.WithUser(context.Background(), u)
		got, err := selfSubjectReview(ctx, clocktesting.NewFakePassiveClock(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)), &authenticationv1.SelfSubjectReview{})
		if err != nil {
			t.Fatal(err)
		}
		info := got.(*authenticationv1.SelfSubjectReview).Status.UserInfo
		if info.Username != u.Name || !slices.Equal(info.Groups, u.Groups) {
			t.Errorf("user info = %+v, want %+v", info, u)
		}
	}
}
