package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/evictd/evictd/internal/cli"
)

// Bounds that turn a hang into a failure with output. A healthy local
// server answers kubectl in well under a second, so they are generous on
// purpose: a slow, loaded CI machine must not make the tests flaky.
const (
	// serveStartTimeout bounds the wait for the line serve prints once it
	// listens.
	serveStartTimeout = 30 * time.Second
	// serveStopTimeout bounds the wait for Execute to return after its
	// context is cancelled; serve itself gives in-flight requests 10 s.
	serveStopTimeout = 20 * time.Second
	// commandTimeout bounds every kubectl run, background ones included.
	commandTimeout = 60 * time.Second
	// outputTimeout bounds the wait for one line from a background kubectl.
	outputTimeout = 30 * time.Second
)

// defaultKubectl is the kubectl on PATH; olderKubectls are the versioned
// binaries that run the representative subset of scenarios too.
const defaultKubectl = "kubectl"

var olderKubectls = []string{"kubectl.1.27", "kubectl.1.33"}

// The storage backends every scenario's server runs on, as subtests named
// after them, so that a failure says which: serve's default memory store,
// and an etcd inside the process behind the watch cache, exactly as
// `serve --storage=etcd-embedded` builds it (its data in the test's
// --data-dir, fsync and all: serve has no test-only switch, and the
// scenarios write little).
const (
	backendMemory = "memory"
	backendEtcd   = "etcd"
)

// backendArgs are serve's flags for each backend.
var backendArgs = map[string][]string{
	backendMemory: nil,
	backendEtcd:   {"--storage=etcd-embedded"},
}

// backendsFor lists the backends a scenario runs on with kubectl binary
// name. The two matrices are not crossed in full: the default kubectl runs
// on every backend, the older ones on memory only. The storage is below
// the HTTP API, which is the same for every kubectl, and the older
// binaries are there for what they send and read, so crossing them would
// double their servers for nothing the default kubectl on etcd misses.
func backendsFor(name string) []string {
	if name == defaultKubectl {
		return []string{backendMemory, backendEtcd}
	}
	return []string{backendMemory}
}

// env is one `evictd serve` and the kubectl binary that drives it.
type env struct {
	name       string // "kubectl", "kubectl.1.27", …
	backend    string // backendMemory or backendEtcd
	kubectl    string // path of the binary
	kubeconfig string
	home       string // HOME for kubectl, so nothing of the user's ~/.kube is read
	client     kubernetes.Interface
}

// scenario is a test body run against one server with one kubectl.
type scenario func(t *testing.T, e *env)

// manualArgs make a server without kubelets whose only controller is the
// disruption controller: the scenarios run on it play the kubelet's part
// themselves (status writes, forced deletes), so nothing else may move.
var manualArgs = []string{"--nodes=0", "--controllers=disruption"}

// eachBackend runs f in a parallel subtest per backend that kubectl
// binary name runs on (backendsFor), named after the backend.
func eachBackend(t *testing.T, name string, f func(t *testing.T, backend string)) {
	t.Helper()
	for _, b := range backendsFor(name) {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			f(t, b)
		})
	}
}

// withKubectl runs s with the default kubectl against its own server, once
// per backend (subtests memory and etcd).
func withKubectl(t *testing.T, s scenario) {
	t.Parallel()
	eachBackend(t, defaultKubectl, func(t *testing.T, backend string) {
		s(t, newEnv(t, defaultKubectl, backend, manualArgs...))
	})
}

// withCluster runs s with kubectl name against a whole simulated cluster:
// every controller, the scheduler and three nodes' kubelets, in a subtest
// per backend that name runs on (backendsFor). Each starts once its three
// nodes are Ready.
func withCluster(t *testing.T, name string, s scenario) {
	eachBackend(t, name, func(t *testing.T, backend string) {
		e := newEnv(t, name, backend)
		e.waitNodesReady(t, 3)
		s(t, e)
	})
}

// waitNodesReady waits until n nodes are Ready.
func (e *env) waitNodesReady(t *testing.T, n int) {
	t.Helper()
	e.eventually(t, fmt.Sprintf("%d Ready nodes", n), func() bool {
		nodes, err := e.client.CoreV1().Nodes().List(t.Context(), metav1.ListOptions{})
		if err != nil {
			return false
		}
		ready := 0
		for _, n := range nodes.Items {
			for _, c := range n.Status.Conditions {
				if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
					ready++
				}
			}
		}
		return ready == n
	})
}

// withEachKubectl runs s with the default kubectl and with every older
// one, each in a parallel subtest named after the binary, with a subtest
// per backend the binary runs on (backendsFor), each with its own server.
func withEachKubectl(t *testing.T, s scenario) {
	t.Parallel()
	for _, name := range append([]string{defaultKubectl}, olderKubectls...) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			eachBackend(t, name, func(t *testing.T, backend string) {
				s(t, newEnv(t, name, backend, manualArgs...))
			})
		})
	}
}

// newEnv skips t when kubectl binary name is not installed, else starts a
// server on backend for t with serve's extra args.
//
// Every test gets its own server: start-up costs a few milliseconds (ECDSA
// keys, an empty memory store; an embedded etcd adds a few hundred), far
// less than one kubectl run, and separate servers let the tests run in
// parallel without sharing names or watch streams.
func newEnv(t *testing.T, name, backend string, args ...string) *env {
	t.Helper()
	path, err := lookKubectl(name)
	if err != nil {
		t.Skipf("skipping: %v; the end-to-end tests drive the installed kubectl binaries", err)
	}
	kubeconfig := serve(t, append(backendFlags(t, backend), args...)...)
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatalf("load the kubeconfig serve wrote: %v", err)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{name: name, backend: backend, kubectl: path, kubeconfig: kubeconfig, home: t.TempDir(), client: client}
}

// backendFlags are serve's flags for backend; an unknown name fails t.
func backendFlags(t *testing.T, backend string) []string {
	t.Helper()
	args, ok := backendArgs[backend]
	if !ok {
		t.Fatalf("unknown storage backend %q", backend)
	}
	return args
}

// lookKubectl finds kubectl binary name on PATH or, for the versioned
// ones, next to the file the default kubectl resolves to (the Google Cloud
// SDK installs kubectl.1.27 … kubectl.1.33 beside its kubectl).
func lookKubectl(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	if name == defaultKubectl {
		return "", errors.New("kubectl not found on PATH")
	}
	def, err := exec.LookPath(defaultKubectl)
	if err != nil {
		return "", fmt.Errorf("%s not found on PATH, and no kubectl on PATH to look beside", name)
	}
	resolved, err := filepath.EvalSymlinks(def)
	if err != nil {
		return "", fmt.Errorf("%s not found on PATH; resolve %s: %w", name, def, err)
	}
	p := filepath.Join(filepath.Dir(resolved), name)
	if _, err := exec.LookPath(p); err != nil {
		return "", fmt.Errorf("%s not found on PATH or in %s", name, filepath.Dir(resolved))
	}
	return p, nil
}

// serveReady matches the one line serve prints on stdout once it listens.
var serveReady = regexp.MustCompile(`serving on (https://127\.0\.0\.1:[1-9][0-9]*); use it with: export KUBECONFIG=(\S+)$`)

// serve runs `evictd serve` in-process, exactly as the command line would,
// and returns the kubeconfig it wrote. Readiness is the line serve prints
// on stdout; when t ends its context is cancelled and serve must return 0.
// Its logs are printed if t failed.
func serve(t *testing.T, extra ...string) string {
	t.Helper()
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	args := []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"), "--kubeconfig-out", kubeconfig}
	args = append(args, extra...)

	ctx, cancel := context.WithCancel(context.Background())
	logs := newLineLog()
	stdoutR, stdoutW := io.Pipe()
	done := make(chan struct{})
	var code int // written before done is closed
	go func() {
		defer close(done)
		code = cli.Execute(ctx, args, stdoutW, logs)
		_ = stdoutW.Close()
	}()
	// Registered first so that it runs last, with the shutdown logged.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("evictd serve logs:\n%s", logs)
		}
	})
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
			if code != 0 {
				t.Errorf("evictd serve returned %d, want 0", code)
			}
		case <-time.After(serveStopTimeout):
			t.Errorf("evictd serve still running %v after its context was cancelled", serveStopTimeout)
		}
	})

	// The reader ends when serve returns and the pipe closes; after the
	// first line it drains stdout so that serve never blocks writing.
	first := make(chan string, 1) // buffered: the reader never waits for us
	go func() {
		br := bufio.NewReader(stdoutR)
		line, _ := br.ReadString('\n')
		first <- line
		_, _ = io.Copy(io.Discard, br)
	}()
	var line string
	select {
	case line = <-first:
	case <-time.After(serveStartTimeout):
		t.Fatalf("evictd serve printed nothing within %v", serveStartTimeout)
	}
	m := serveReady.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		t.Fatalf("evictd serve printed %q, want a line matching %s", line, serveReady)
	}
	if m[2] != kubeconfig {
		t.Fatalf("serve announced kubeconfig %s, want %s", m[2], kubeconfig)
	}
	return kubeconfig
}

// result is what one kubectl run left behind.
type result struct {
	args           []string
	stdout, stderr string
	code           int // -1 while a background kubectl still runs
}

func (r result) String() string {
	status := fmt.Sprintf("exit code %d", r.code)
	if r.code < 0 {
		status = "still running"
	}
	return fmt.Sprintf("kubectl %s\n%s\n--- stdout:\n%s\n--- stderr:\n%s",
		strings.Join(r.args, " "), status, r.stdout, r.stderr)
}

// run runs kubectl with args and fails t unless it exits 0.
func (e *env) run(t *testing.T, args ...string) result {
	t.Helper()
	return e.runEnv(t, nil, 0, args...)
}

// runExit runs kubectl with args and fails t unless it exits with code.
func (e *env) runExit(t *testing.T, code int, args ...string) result {
	t.Helper()
	return e.runEnv(t, nil, code, args...)
}

// runEnv runs kubectl with extra environment variables ("K=V") and fails
// t unless it exits with code.
func (e *env) runEnv(t *testing.T, extraEnv []string, code int, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), commandTimeout)
	defer cancel()
	cmd := e.command(ctx, t, extraEnv, args)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{args: args, stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && exit.Exited():
		r.code = exit.ExitCode()
	default:
		t.Fatalf("%s: %v (context: %v)\n%s", e.name, err, ctx.Err(), r)
	}
	if r.code != code {
		t.Fatalf("%s: exit code %d, want %d\n%s", e.name, r.code, code, r)
	}
	return r
}

// command builds a kubectl run with a fresh discovery and HTTP cache, the
// server's kubeconfig and a private HOME.
func (e *env) command(ctx context.Context, t *testing.T, extraEnv, args []string) *exec.Cmd {
	full := append([]string{"--cache-dir", t.TempDir()}, args...)
	cmd := exec.CommandContext(ctx, e.kubectl, full...)
	cmd.Env = append(kubectlEnv(e.kubeconfig, e.home), extraEnv...)
	return cmd
}

// kubectlEnv is the test's environment without what could make kubectl
// talk to another cluster or behave unlike its defaults.
func kubectlEnv(kubeconfig, home string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "KUBECONFIG", k == "HOME", k == "KUBE_EDITOR", k == "EDITOR", strings.HasPrefix(k, "KUBECTL_"):
			continue
		}
		out = append(out, kv)
	}
	return append(out, "KUBECONFIG="+kubeconfig, "HOME="+home)
}

// getJSON runs `kubectl get args… -o json` and decodes the output into v.
func (e *env) getJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	r := e.run(t, append(append([]string{"get"}, args...), "-o", "json")...)
	if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
		t.Fatalf("decode kubectl get -o json: %v\n%s", err, r)
	}
}
