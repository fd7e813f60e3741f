package server

import (
	"context"

	authenticationv1 "k8s.io/api/authentication/v1"

	"github.com/evictd/evictd/internal/flowcontrol"
)

// userFrom is the identity a request authenticated as (auth.go puts it in
// the context), for SelfSubjectReview and the access reviews: the admin
// (evictd-admin) for clients of the kubeconfig's token, the in-process
// components' own user (both in system:masters and system:authenticated),
// or a user of --token-auth-file with its UID and groups.
func userFrom(ctx context.Context) authenticationv1.UserInfo {
	u := flowcontrol.UserFrom(ctx)
	return authenticationv1.UserInfo{Username: u.Name, UID: u.UID, Groups: append([]string(nil), u.Groups...)}
}
