package server

import (
	"context"

	authenticationv1 "k8s.io/api/authentication/v1"
)

// AdminUsername is who evictd's bearer token authenticates as. evictd has
// one identity and no authorization: every authenticated request may do
// everything, as a member of system:masters may in kube-apiserver.
const AdminUsername = "evictd-admin"

// adminGroups are the admin's groups: system:masters (whose members
// kube-apiserver's authorizer allows everything) and system:authenticated,
// which kube-apiserver adds to every authenticated user.
var adminGroups = []string{"system:masters", "system:authenticated"}

// userFrom is the identity a request authenticated as, for
// SelfSubjectReview and the access reviews: every request that reaches
// them carries the one token, so it is always the admin.
func userFrom(context.Context) authenticationv1.UserInfo {
	return authenticationv1.UserInfo{Username: AdminUsername, Groups: append([]string(nil), adminGroups...)}
}
