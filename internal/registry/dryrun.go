package registry

import "context"

// dryRunKey marks a context whose request is a dry run.
type dryRunKey struct{}

// WithDryRun marks ctx as a dry run's: the store runs every hook and check
// but stores nothing, and strategies must take nothing from shared pools
// (a service's cluster IP) either, as upstream's dry-run allocators only
// check.
func WithDryRun(ctx context.Context) context.Context {
	return context.WithValue(ctx, dryRunKey{}, true)
}

// IsDryRun reports whether ctx is a dry run's (see WithDryRun).
func IsDryRun(ctx context.Context) bool {
	dry, _ := ctx.Value(dryRunKey{}).(bool)
	return dry
}
