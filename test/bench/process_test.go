package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// clockTicks is USER_HZ, the unit of /proc/PID/stat's CPU times: 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// serveProcess is `evictd serve` running as a child process, so that its
// memory and CPU can be read from /proc apart from the benchmark's own.
type serveProcess struct {
	cmd     *exec.Cmd
	config  *rest.Config
	dataDir string // serve's --data-dir
}

// buildEvictd compiles cmd/evictd into a temporary directory.
func buildEvictd(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "evictd")
	out, err := exec.CommandContext(b.Context(), "go", "build", "-o", bin, "github.com/evictd/evictd/cmd/evictd").CombinedOutput()
	if err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startServe runs `evictd serve` with args on a free port and waits for
// its kubeconfig. The process is interrupted and reaped at cleanup.
func startServe(b *testing.B, bin string, args ...string) *serveProcess {
	b.Helper()
	dir := b.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	args = append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"),
		"--kubeconfig-out", kubeconfig}, args...)
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatalf("start evictd serve: %v", err)
	}
	p := &serveProcess{cmd: cmd, dataDir: filepath.Join(dir, "data")}
	b.Cleanup(p.stop)
	deadline := time.Now().Add(time.Minute)
	for {
		cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err == nil {
			p.config = cfg
			return p
		}
		if time.Now().After(deadline) {
			b.Fatalf("no kubeconfig from evictd serve: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop interrupts serve, as Ctrl-C would, and waits for it.
func (p *serveProcess) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// cpu is the process's CPU time so far (user + system), from
// /proc/PID/stat fields 14 and 15.
func (p *serveProcess) cpu() (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; it ends at the last ')'.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	if len(fields) < 13 {
		return 0, errors.New("short /proc/PID/stat")
	}
	var ticks int64
	for _, f := range fields[11:13] { // utime, stime: fields 14 and 15 overall
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/PID/stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// memory reads VmRSS and VmHWM (peak RSS) from /proc/PID/status, in bytes.
func (p *serveProcess) memory() (rss, peak int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, _ := strings.Cut(sc.Text(), ":")
		var into *int64
		switch key {
		case "VmRSS":
			into = &rss
		case "VmHWM":
			into = &peak
		default:
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/PID/status %s: %w", key, err)
		}
		*into = kb << 10
	}
	return rss, peak, sc.Err()
}

// idleCPU is the CPU the process spends over d while nobody asks it
// anything: heartbeats, leases and the watches they feed.
func (p *serveProcess) idleCPU(ctx context.Context, d time.Duration) (time.Duration, error) {
	before, err := p.cpu()
	if err != nil {
		return 0, err
	}
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(d):
	}
	after, err := p.cpu()
	return after - before, err
}
