// Package bench holds whole-cluster benchmarks of evictd: a real API server
// with every controller, the scheduler and simulated kubelets, driven
// through client-go as a user would. They are skipped in the default test
// run (they need -bench, and skip under -short); docs/benchmarks.md has the
// commands and the numbers measured.
package bench
