package e2e

import (
	"slices"
	"strings"
	"testing"
)

// TestClusterDrain drains a node of a whole simulated cluster that runs
// one pod of each kind drain treats differently — a DaemonSet's, a
// ReplicaSet's with an emptyDir, an unmanaged bare pod, a StatefulSet's —
// with the installed kubectl, with the older ones, and with
// k8s.io/kubectl/pkg/drain. Without --ignore-daemonsets, --force or
// --delete-emptydir-data drain refuses, naming the pods, and evicts
// nothing; with all three it finishes on its own (the kubelets end the
// pods): the DaemonSet pod stays, the others are evicted, the StatefulSet
// pod comes back under its name on another node and the ReplicaSet's
// replacement is Ready elsewhere.
func TestClusterDrain(t *testing.T) {
	t.Parallel()
	for _, name := range append([]string{defaultKubectl}, olderKubectls...) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			withCluster(t, name, func(t *testing.T, e *env) {
				testMixedDrain(t, e, kubectlDrainer{e: e})
			})
		})
	}
	t.Run("library", func(t *testing.T) {
		t.Parallel()
		withCluster(t, defaultKubectl, func(t *testing.T, e *env) {
			testMixedDrain(t, e, &libraryDrainer{client: e.client})
		})
	})
}

// drainFlags are drain's three overrides.
type drainFlags struct {
	ignoreDaemonSets, deleteEmptyDirData, force bool
}

// A drainer drains one node, as kubectl or as the drain library.
type drainer interface {
	// refuse drains node with flags, must fail, and returns what it said.
	refuse(t *testing.T, node string, f drainFlags) string
	// drain drains node with every override and must succeed; it returns
	// what was printed on the output and on the error output.
	drain(t *testing.T, node string) (out, errOut string)
}

func testMixedDrain(t *testing.T, e *env, d drainer) {
	e.dumpOnFailure(t)
	m := e.mixedNode(t)
	refusals := []struct {
		name    string
		flags   drainFlags
		refused []string
	}{
		{name: "without overrides", refused: []string{m.daemonRefusal(), m.emptyDirRefusal(), m.bareRefusal()}},
		{name: "ignore daemonsets", flags: drainFlags{ignoreDaemonSets: true}, refused: []string{m.emptyDirRefusal(), m.bareRefusal()}},
		{name: "ignore daemonsets, force", flags: drainFlags{ignoreDaemonSets: true, force: true}, refused: []string{m.emptyDirRefusal()}},
		{name: "ignore daemonsets, delete emptydir data", flags: drainFlags{ignoreDaemonSets: true, deleteEmptyDirData: true}, refused: []string{m.bareRefusal()}},
	}
	all := []string{m.daemonRefusal(), m.emptyDirRefusal(), m.bareRefusal()}
	for _, r := range refusals {
		said := d.refuse(t, m.node, r.flags)
		for _, want := range all {
			if got := strings.Contains(said, want); got != slices.Contains(r.refused, want) {
				t.Errorf("%s: says %q: %t, want %t; it said:\n%s", r.name, want, got, !got, said)
			}
		}
	}
	m.wantUntouched(t, e)

	out, errOut := d.drain(t, m.node)
	for _, warning := range []string{
		"ignoring DaemonSet-managed Pods: kube-system/" + m.daemon.Name,
		"deleting Pods that declare no controller: default/bare",
	} {
		if !strings.Contains(errOut, warning) {
			t.Errorf("the drain never warned %q; it said:\n%s", warning, errOut)
		}
	}
	for _, p := range []string{"bare", "db-0", m.scratch.Name} {
		wantLine(t, out, `^evicting pod default/`+p+`$`)
	}
	m.wantDrained(t, e)
}

// kubectlDrainer drains with kubectl drain.
type kubectlDrainer struct{ e *env }

func (k kubectlDrainer) refuse(t *testing.T, node string, f drainFlags) string {
	t.Helper()
	res := k.e.runExit(t, 1, append([]string{"drain", node}, f.args()...)...)
	wantLine(t, res.stderr, `^error: unable to drain node "`+node+`" due to error: ?`)
	return res.stderr
}

func (k kubectlDrainer) drain(t *testing.T, node string) (string, string) {
	t.Helper()
	all := drainFlags{ignoreDaemonSets: true, deleteEmptyDirData: true, force: true}
	res := k.e.run(t, append([]string{"drain", node, "--timeout=60s"}, all.args()...)...)
	// The refused runs cordoned it already.
	wantLine(t, res.stdout, `^node/`+node+` already cordoned$`)
	wantLine(t, res.stderr, `^Warning: `)
	for _, p := range []string{"bare", "db-0"} {
		wantLine(t, res.stdout, `^pod/`+p+` evicted$`)
	}
	wantLine(t, res.stdout, `^pod/scratch-[a-z0-9]+ evicted$`)
	wantLine(t, res.stdout, `^node/`+node+` drained$`)
	return res.stdout, res.stderr
}

func (f drainFlags) args() []string {
	var args []string
	if f.ignoreDaemonSets {
		args = append(args, "--ignore-daemonsets")
	}
	if f.deleteEmptyDirData {
		args = append(args, "--delete-emptydir-data")
	}
	if f.force {
		args = append(args, "--force")
	}
	return args
}
