package e2e

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// background is a kubectl that runs while the test does other things,
// such as `get -w` or `wait`.
type background struct {
	name           string
	args           []string
	stdout, stderr *lineLog
	done           chan struct{} // closed once the process has exited
	err            error         // from Wait, set before done closes
	cancel         context.CancelFunc
	// cursors: lines before them were matched already.
	stdoutAt, stderrAt int
}

// start starts kubectl in the background; it is stopped, if still
// running, when t ends.
func (e *env) start(t *testing.T, args ...string) *background {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), commandTimeout)
	cmd := e.command(ctx, t, nil, args)
	// SIGTERM ends kubectl as Ctrl-C would; WaitDelay covers a kubectl
	// that ignores it.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	b := &background{name: e.name, args: args, stdout: newLineLog(), stderr: newLineLog(), done: make(chan struct{}), cancel: cancel}
	cmd.Stdout, cmd.Stderr = b.stdout, b.stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start %s: %v", e.name, err)
	}
	go func() {
		b.err = cmd.Wait()
		b.stdout.close()
		b.stderr.close()
		close(b.done)
	}()
	t.Cleanup(func() {
		cancel()
		<-b.done
	})
	return b
}

// result is the output so far; its code is -1 while kubectl runs.
func (b *background) result() result {
	r := result{args: b.args, stdout: b.stdout.String(), stderr: b.stderr.String(), code: -1}
	select {
	case <-b.done:
		r.code = 0
		var exit *exec.ExitError
		if errors.As(b.err, &exit) {
			r.code = exit.ExitCode()
		}
	default: // b.err is not ours to read yet
	}
	return r
}

// expectStdout waits for a line on stdout, after the last one matched,
// that matches re, and returns it.
func (b *background) expectStdout(t *testing.T, re string) string {
	t.Helper()
	return b.expect(t, b.stdout, &b.stdoutAt, re)
}

// expectStderr is expectStdout for stderr.
func (b *background) expectStderr(t *testing.T, re string) string {
	t.Helper()
	return b.expect(t, b.stderr, &b.stderrAt, re)
}

func (b *background) expect(t *testing.T, log *lineLog, at *int, re string) string {
	t.Helper()
	pattern := regexp.MustCompile(re)
	deadline := time.NewTimer(outputTimeout)
	defer deadline.Stop()
	for {
		lines, closed, changed := log.snapshot()
		for i := *at; i < len(lines); i++ {
			if pattern.MatchString(lines[i]) {
				*at = i + 1
				return lines[i]
			}
		}
		if closed {
			<-b.done
			t.Fatalf("%s exited without printing a line matching %q\n%s", b.name, re, b.result())
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("%s printed no line matching %q within %v\n%s", b.name, re, outputTimeout, b.result())
		}
	}
}

// wait waits for kubectl to exit by itself and fails t unless it exits
// with code.
func (b *background) wait(t *testing.T, code int) result {
	t.Helper()
	<-b.done // bounded by commandTimeout
	r := b.result()
	var exit *exec.ExitError
	if b.err != nil && (!errors.As(b.err, &exit) || !exit.Exited()) {
		t.Fatalf("%s: %v\n%s", b.name, b.err, r)
	}
	if r.code != code {
		t.Fatalf("%s: exit code %d, want %d\n%s", b.name, r.code, code, r)
	}
	return r
}

// stop ends a kubectl that must still be running, such as `get -w`.
func (b *background) stop(t *testing.T) result {
	t.Helper()
	select {
	case <-b.done:
		t.Fatalf("%s exited before it was stopped\n%s", b.name, b.result())
	default:
	}
	b.cancel()
	<-b.done
	return b.result()
}

// lineLog is an io.Writer that keeps a process's output and wakes
// waiters on every write by closing and replacing a channel.
type lineLog struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
	closed  bool
}

func newLineLog() *lineLog { return &lineLog{changed: make(chan struct{})} }

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	close(l.changed)
	l.changed = make(chan struct{})
	return len(p), nil
}

// close records that no more output will come.
func (l *lineLog) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	close(l.changed)
	l.changed = make(chan struct{})
}

// snapshot returns the complete lines written so far (and the last,
// unterminated one once closed), whether the log is closed, and a channel
// closed by the next write.
func (l *lineLog) snapshot() (lines []string, closed bool, changed <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	text := l.buf.String()
	if !l.closed {
		text = text[:strings.LastIndexByte(text, '\n')+1]
	}
	text = strings.TrimSuffix(text, "\n")
	if text != "" {
		lines = strings.Split(text, "\n")
	}
	return lines, l.closed, l.changed
}

func (l *lineLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
