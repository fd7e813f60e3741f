package flowcontrol

import (
	"context"
	"slices"
)

// Groups upstream's flow schemas match.
const (
	// GroupMasters is the group of kube-apiserver's own loopback clients
	// and kubeadm's break-glass admin: its requests are exempt.
	GroupMasters = "system:masters"
	// GroupAuthenticated holds every authenticated user.
	GroupAuthenticated = "system:authenticated"
	// GroupUnauthenticated holds the anonymous user.
	GroupUnauthenticated = "system:unauthenticated"
)

// User is who sent a request, as the authenticator established it.
type User struct {
	Name string
	// UID is the user's unique ID, when the authenticator knows one (the
	// token file's third column).
	UID    string
	Groups []string
}

// Anonymous is the user of a request without credentials.
var Anonymous = User{Name: "system:anonymous", Groups: []string{GroupUnauthenticated}}

// InGroup reports whether u is a member of group.
func (u User) InGroup(group string) bool { return slices.Contains(u.Groups, group) }

type userKey struct{}

// WithUser returns a context carrying u.
func WithUser(ctx context.Context, u User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the user ctx carries; Anonymous if none.
func UserFrom(ctx context.Context) User {
	if u, ok := ctx.Value(userKey{}).(User); ok {
		return u
	}
	return Anonymous
}
