package durability

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// startTimeout bounds a child's start-up to its "serving" line: etcd
// replays its write-ahead log, under -race, on a shared 2-core machine.
const startTimeout = 60 * time.Second

// stopTimeout bounds a graceful stop at cleanup before SIGKILL.
const stopTimeout = 15 * time.Second

// servingLine is what serve prints on stdout once it listens.
var servingLine = regexp.MustCompile(`serving on (https://\S+); use it with: export KUBECONFIG=(\S+)`)

// serveDirs are the paths a server keeps across its lifetimes.
type serveDirs struct {
	data       string // --data-dir: PKI, and etcd's data in etcd/
	kubeconfig string // --kubeconfig-out
}

func newServeDirs(t *testing.T) serveDirs {
	dir := t.TempDir()
	return serveDirs{data: filepath.Join(dir, "data"), kubeconfig: filepath.Join(dir, "kubeconfig")}
}

// serveProcess is one lifetime of `evictd serve` as a child process.
type serveProcess struct {
	cmd    *exec.Cmd
	url    string
	config *rest.Config
	stderr *tailBuffer
	exited chan struct{} // closed once the child is reaped
}

// startServe runs `serve --listen listen` on dirs with the extra flags and
// returns once it serves, with a client config read from the kubeconfig
// it (re)wrote. Cleanup stops it if the test did not kill it.
func startServe(t *testing.T, listen string, dirs serveDirs, extra ...string) *serveProcess {
	t.Helper()
	args := append([]string{"serve", "--listen", listen, "--data-dir", dirs.data,
		"--kubeconfig-out", dirs.kubeconfig}, extra...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), serveEnv+"=1")
	ready := &readyWriter{ch: make(chan []string, 1)}
	p := &serveProcess{cmd: cmd, stderr: &tailBuffer{max: 64 << 10}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = ready, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start serve: %v", err)
	}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("serve %v, the end of its log:\n%s", args, p.stderr)
		}
	})
	select {
	case m := <-ready.ch:
		p.url = m[1]
		cfg, err := clientcmd.BuildConfigFromFlags("", m[2])
		if err != nil {
			t.Fatalf("kubeconfig %s: %v", m[2], err)
		}
		if cfg.Host != p.url {
			t.Fatalf("kubeconfig %s points at %s; serve says it serves on %s", m[2], cfg.Host, p.url)
		}
		// The test's clients pace themselves; client-go's default 5
		// requests a second, shared by all of them, would starve them.
		cfg.QPS = -1
		p.config = cfg
	case <-p.exited:
		t.Fatalf("serve %v exited before serving (%v):\n%s", args, cmd.ProcessState, p.stderr)
	case <-time.After(startTimeout):
		t.Fatalf("serve did not serve within %v:\n%s", startTimeout, p.stderr)
	}
	return p
}

// kill is kill -9: no shutdown, no flush, no deferred function runs. It
// returns once the child is reaped.
func (p *serveProcess) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill serve: %v", err)
	}
	<-p.exited
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("serve ended with %v, not by SIGKILL:\n%s", p.cmd.ProcessState, p.stderr)
	}
}

// stop interrupts the child as Ctrl-C would, if it still runs, and kills
// it if it has not exited within stopTimeout.
func (p *serveProcess) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// freeListen returns 127.0.0.1:PORT with a port free right now, so that
// both lifetimes of a server listen on it and one client (an informer)
// can follow the server across the restart, as it would follow a real
// API server's restart behind a fixed address.
func freeListen(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// readyWriter is the child's stdout: it hands the first serving line's
// URL and kubeconfig path to ch.
type readyWriter struct {
	mu   sync.Mutex
	line []byte
	ch   chan []string // buffered 1: the first match only, never blocks
	done bool
}

func (w *readyWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return len(b), nil
	}
	w.line = append(w.line, b...)
	for {
		i := bytes.IndexByte(w.line, '\n')
		if i < 0 {
			return len(b), nil
		}
		if m := servingLine.FindSubmatch(w.line[:i]); m != nil {
			w.ch <- []string{string(m[0]), string(m[1]), string(m[2])}
			w.done, w.line = true, nil
			return len(b), nil
		}
		w.line = w.line[i+1:]
	}
}

// tailBuffer keeps the last max bytes of the child's stderr, for failure
// messages.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append([]byte(nil), b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
