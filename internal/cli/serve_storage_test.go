package cli

import (
	"bufio"
	"context"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// TestServeStorageFlags: a combination of storage flags that would leave
// one of them unused is refused with a message naming it, before anything
// starts.
func TestServeStorageFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown backend", []string{"--storage=disk"}, "--storage=disk: want memory, etcd-embedded or etcd"},
		{"external without servers", []string{"--storage=etcd"}, "--storage=etcd needs --etcd-servers"},
		{"servers with embedded", []string{"--storage=etcd-embedded", "--etcd-servers=http://127.0.0.1:2379"}, "--etcd-servers is for an external etcd; it cannot be combined with --storage=etcd-embedded"},
		{"servers with memory", []string{"--storage=memory", "--etcd-servers=http://127.0.0.1:2379"}, "--etcd-servers is for an external etcd; it cannot be combined with --storage=memory"},
		{"CA without servers", []string{"--etcd-cafile=ca.pem"}, "--etcd-cafile is for an external etcd; it cannot be combined with --storage=memory"},
		{"prefix with memory", []string{"--etcd-prefix=/evictd"}, "--etcd-prefix is for etcd storage; it cannot be combined with --storage=memory"},
		{"not a URL", []string{"--etcd-servers=127.0.0.1:2379"}, `etcd server "127.0.0.1:2379": want a URL such as https://127.0.0.1:2379`},
		{"certificate without key", []string{"--etcd-servers=https://127.0.0.1:2379", "--etcd-certfile=c.pem"}, "set both or neither"},
		{"lease shorter than renew deadline", []string{"--leader-elect", "--leader-elect-lease-duration=5s"}, "--leader-elect-lease-duration (5s) must be greater than --leader-elect-renew-deadline (10s)"},
		{"renew deadline within a retry", []string{"--leader-elect", "--leader-elect-renew-deadline=2s"}, "--leader-elect-renew-deadline (2s) must be greater than 1.2 × --leader-elect-retry-period (2s)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			args := append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"),
				"--kubeconfig-out", filepath.Join(dir, "kubeconfig")}, tc.args...)
			var stdout, stderr syncBuffer
			if code := Execute(t.Context(), args, &stdout, &stderr); code == 0 {
				t.Fatalf("serve %v: exit 0, want a refusal", tc.args)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Fatalf("serve %v said:\n%s\nwant it to say %q", tc.args, stderr.String(), tc.want)
			}
		})
	}
}

// TestServeEtcdEmbeddedSurvivesRestart: with --storage=etcd-embedded the
// objects written before a restart are there after it, unchanged, with
// their resourceVersions, and new writes continue etcd's revisions.
func TestServeEtcdEmbeddedSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	args := []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"),
		"--kubeconfig-out", filepath.Join(dir, "kubeconfig"), "--nodes", "0", "--controllers", "false",
		"--storage", "etcd-embedded"}

	client, stop := startServe(t, args)
	ctx := t.Context()
	if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kept"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cm, err := client.CoreV1().ConfigMaps("kept").Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "settings"}, Data: map[string]string{"mode": "durable"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := createService(t, client, "before")
	stop()

	client, stop = startServe(t, args)
	defer stop()
	got, err := client.CoreV1().ConfigMaps("kept").Get(ctx, "settings", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("after a restart: %v", err)
	}
	if got.Data["mode"] != "durable" || got.ResourceVersion != cm.ResourceVersion || got.UID != cm.UID {
		t.Fatalf("after a restart: %s rv=%s uid=%s data=%v; before: rv=%s uid=%s",
			got.Name, got.ResourceVersion, got.UID, got.Data, cm.ResourceVersion, cm.UID)
	}
	got.Data["mode"] = "updated"
	updated, err := client.CoreV1().ConfigMaps("kept").Update(ctx, got, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rvBefore, _ := strconv.ParseInt(cm.ResourceVersion, 10, 64)
	rvAfter, _ := strconv.ParseInt(updated.ResourceVersion, 10, 64)
	if rvAfter <= rvBefore {
		t.Fatalf("resourceVersion went from %s to %s across the restart", cm.ResourceVersion, updated.ResourceVersion)
	}
	// The restarted server's allocator knows the stored services' addresses.
	if after := createService(t, client, "after"); after.Spec.ClusterIP == before.Spec.ClusterIP {
		t.Fatalf("service created after the restart got %s, which %s already holds", after.Spec.ClusterIP, before.Name)
	}
}

func createService(t *testing.T, client kubernetes.Interface, name string) *corev1.Service {
	t.Helper()
	svc, err := client.CoreV1().Services("kept").Create(t.Context(), &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// serveReadyLine matches the line serve prints on stdout once it listens.
var serveReadyLine = regexp.MustCompile(`serving on https://\S+; use it with: export KUBECONFIG=(\S+)$`)

// startServe runs serve with args until stop is called (or t ends), and
// returns a client for it once it prints that it serves.
func startServe(t *testing.T, args []string) (client kubernetes.Interface, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdoutR, stdoutW := io.Pipe()
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Execute(ctx, args, stdoutW, &stderr)
		_ = stdoutW.Close()
	}()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited %d:\n%s", code, stderr.String())
			}
		case <-time.After(30 * time.Second):
			t.Errorf("serve still running 30 s after its context was cancelled")
		}
	}
	t.Cleanup(stop)
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
	case <-time.After(60 * time.Second):
		t.Fatalf("serve printed nothing within 60 s:\n%s", stderr.String())
	}
	m := serveReadyLine.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		t.Fatalf("serve printed %q:\n%s", line, stderr.String())
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", m[1])
	if err != nil {
		t.Fatal(err)
	}
	return kubernetes.NewForConfigOrDie(cfg), stop
}
