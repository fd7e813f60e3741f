package server

import (
	"context"

	authenticationv1 "k8s.io/api/authentication/v1"

	"github.com/evictd/evictd/internal/flowcontrol"
)

// userFrom is the identity a request authenticated as (auth.go puts it in
// the context), for SelfSubjectReview and the access reviews: the admin
// (evictd-admin) for clients of the kubeconfig's token, or the in-process
// components' own user; both are in system:masters and
// system:authenticated.
func userFrom(ctx context.Context) authenticationv1.UserInfo {
	u := flowcontrol.UserFrom(ctx)
	return authenticationv1.UserInfo{Username: u.Name, Groups: append([]string(nil), u.Groups...)}
}
