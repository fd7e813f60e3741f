// Package durability kills `evictd serve --storage=etcd-embedded` with
// SIGKILL in the middle of a drain, restarts it on the same data
// directory, and checks what issue 9 asks of a durable store: every
// acknowledged write is there, resourceVersions keep increasing, watches
// resume from their revision or get 410 Expired and relist, and no
// PodDisruptionBudget is ever over-disrupted across the restart.
//
// The server is a real child process, so the kill is a real crash: the
// test binary re-executes itself with serveEnv set, and TestMain then runs
// evictd's command line instead of the tests (no `go build`). The harness
// is process_test.go; the cluster the drain empties, cluster_test.go; the
// clients that keep writing and evicting across the kill, writer_test.go,
// evictors_test.go and drainrun_test.go; the checks after the restart,
// watch_test.go, informer_test.go, budget_test.go and backup_test.go; the
// test itself, kill_test.go. cluster_drain_test.go does the same to the
// whole simulated cluster (nodes, controllers, a Deployment), following
// its pods in revision order across the kill with guard_test.go.
package durability
