package e2e

import (
	"context"
	"io"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/evictd/evictd/internal/cli"
)

// TestSplitComponents runs the cluster as it would run beside a real
// kube-apiserver: `evictd serve --nodes 0 --controllers=false` stands in
// for the API server, and `evictd kubelet --kubeconfig K --nodes 3` and
// `evictd controllers --kubeconfig K` are separate commands that reach it
// only through the kubeconfig. The seed's flow works there too: a
// Deployment gets Ready pods, its budget's status is computed, and
// `kubectl drain` of a node finishes with the replacement Ready elsewhere.
func TestSplitComponents(t *testing.T) {
	t.Parallel()
	eachBackend(t, defaultKubectl, testSplitComponents)
}

func testSplitComponents(t *testing.T, backend string) {
	e := newSplitEnv(t, backend)
	e.dumpOnFailure(t)
	e.rollingDeployment(t, "default", "web", 3, 1)
	e.minAvailableBudget(t, "web", 2)
	e.eventually(t, "3 Ready pods", func() bool { return len(e.readyPods(t, "app=web")) == 3 })
	e.waitForAllowed(t, "web", 1)
	pdb := e.budget(t, "web")
	if s := pdb.Status; s.ExpectedPods != 3 || s.CurrentHealthy != 3 || s.DesiredHealthy != 2 || s.DisruptionsAllowed != 1 {
		t.Errorf("budget status %+v, want 3 expected, 3 healthy, 2 desired, 1 allowed", s)
	}
	before := map[string]bool{}
	evicted := 0
	node := e.readyPods(t, "app=web")[0].Spec.NodeName
	for _, p := range e.readyPods(t, "app=web") {
		before[p.Name] = true
		if p.Spec.NodeName == node {
			evicted++
		}
	}

	res := e.run(t, "drain", node, "--ignore-daemonsets", "--timeout=60s")
	wantLine(t, res.stdout, `^node/`+node+` drained$`)
	e.eventually(t, "3 Ready pods, none on the drained node", func() bool {
		pods := e.readyPods(t, "app=web")
		for _, p := range pods {
			if p.Spec.NodeName == node {
				return false
			}
		}
		return len(pods) == 3
	})
	replaced := 0
	for _, p := range e.readyPods(t, "app=web") {
		if !before[p.Name] {
			replaced++
		}
	}
	if replaced != evicted {
		t.Errorf("%d replacement pods Ready, want the %d evicted from %s", replaced, evicted, node)
	}
}

// newSplitEnv starts a bare API server on backend, then the kubelets and
// the controllers as their own commands against its kubeconfig, and waits
// for the three nodes to be Ready.
func newSplitEnv(t *testing.T, backend string) *env {
	t.Helper()
	path, err := lookKubectl(defaultKubectl)
	if err != nil {
		t.Skipf("skipping: %v; the end-to-end tests drive the installed kubectl binaries", err)
	}
	kubeconfig := serve(t, append(backendFlags(t, backend), "--nodes=0", "--controllers=false")...)
	execute(t, "kubelet", "--kubeconfig", kubeconfig, "--nodes", "3")
	execute(t, "controllers", "--kubeconfig", kubeconfig)
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatalf("load the kubeconfig serve wrote: %v", err)
	}
	e := &env{name: defaultKubectl, backend: backend, kubectl: path, kubeconfig: kubeconfig, home: t.TempDir(), client: kubernetes.NewForConfigOrDie(cfg)}
	e.waitNodesReady(t, 3)
	return e
}

// execute runs an evictd command in-process, as serve does, until t ends;
// it must then return 0. Its logs are printed if t failed.
func execute(t *testing.T, args ...string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := newLineLog()
	done := make(chan struct{})
	var code int // written before done is closed
	go func() {
		defer close(done)
		code = cli.Execute(ctx, args, io.Discard, logs)
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("evictd %s logs:\n%s", args[0], logs)
		}
	})
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
			if code != 0 {
				t.Errorf("evictd %s returned %d, want 0", args[0], code)
			}
		case <-time.After(serveStopTimeout):
			t.Errorf("evictd %s still running %v after its context was cancelled", args[0], serveStopTimeout)
		}
	})
}
