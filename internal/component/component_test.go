package component

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	clocktesting "k8s.io/utils/clock/testing"
)

func TestSelect(t *testing.T) {
	t.Parallel()
	all := []Component{{Name: "a", Aliases: []string{"a-controller"}}, {Name: "b"}, {Name: "c", DisabledByDefault: true}}
	tests := []struct {
		name    string
		spec    []string
		want    []string
		wantErr bool
	}{
		{name: "star is every default component", spec: []string{"*"}, want: []string{"a", "b"}},
		{name: "true reads as star", spec: []string{"true"}, want: []string{"a", "b"}},
		{name: "false selects nothing", spec: []string{"false"}, want: nil},
		{name: "none selects nothing", spec: []string{"none"}, want: nil},
		{name: "star minus one", spec: []string{"*", "-a"}, want: []string{"b"}},
		{name: "a disabled-by-default component named", spec: []string{"*", "c"}, want: []string{"a", "b", "c"}},
		{name: "only the named", spec: []string{"b"}, want: []string{"b"}},
		{name: "an alias disables", spec: []string{"*", "-a-controller"}, want: []string{"b"}},
		{name: "an alias enables", spec: []string{"a-controller"}, want: []string{"a"}},
		{name: "the last word wins across name and alias", spec: []string{"-a", "a-controller"}, want: []string{"a"}},
		{name: "unknown name", spec: []string{"*", "-nope"}, wantErr: true},
		{name: "minus star", spec: []string{"-*"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Select(all, tt.spec)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Select(%v) error = %v, want error %v", tt.spec, err, tt.wantErr)
			}
			if names := Names(got); !slices.Equal(names, tt.want) {
				t.Errorf("Select(%v) = %v, want %v", tt.spec, names, tt.want)
			}
		})
	}
}

func TestNewContextRejectsAnUnusableConfig(t *testing.T) {
	t.Parallel()
	if _, err := NewContext(&rest.Config{Host: "http://127.0.0.1:1", QPS: 1, Burst: 0}, Options{}); err == nil {
		t.Fatal("NewContext accepted QPS without burst")
	}
}

// Nothing listens there: the informers never sync, and Run must still
// return once its context has ended, with every component stopped.
func TestRunReturnsWhenItsContextEnds(t *testing.T) {
	t.Parallel()
	c, err := NewContext(&rest.Config{Host: "http://127.0.0.1:1"}, Options{
		Clock: clocktesting.NewFakeClock(time.Unix(0, 0)),
		Log:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	stopped := 0
	comp := Component{Name: "waits", Run: func(ctx context.Context, c *Context) error {
		c.Informers.Core().V1().Pods().Informer()
		c.StartInformers()
		<-ctx.Done()
		stopped++
		return ctx.Err()
	}}
	cancel()
	Run(ctx, c, []Component{comp})
	if stopped != 1 {
		t.Errorf("component returned %d times, want 1", stopped)
	}
}

// TestRunOnceOwnsTheEventBroadcaster: Run starts and stops the event
// broadcaster; a second Run on the same Context is refused with an error
// line instead of closing the stopped informers again (a panic) or
// watching a stopped broadcaster ("Unable start event watcher").
// Not parallel: it redirects klog's process-wide output.
func TestRunOnceOwnsTheEventBroadcaster(t *testing.T) {
	var klogOut bytes.Buffer
	klog.LogToStderr(false)
	klog.SetOutput(&klogOut)
	defer func() {
		klog.SetOutput(os.Stderr)
		klog.LogToStderr(true)
	}()
	var logs bytes.Buffer
	c, err := NewContext(&rest.Config{Host: "http://127.0.0.1:1"}, Options{
		Clock: clocktesting.NewFakeClock(time.Unix(0, 0)),
		Log:   slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // a server stopped right after it started
	Run(ctx, c, nil)
	Run(ctx, c, nil)
	klog.Flush()
	if strings.Contains(klogOut.String(), "Unable") {
		t.Errorf("klog: %s", klogOut.String())
	}
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "already run") {
		t.Errorf("second Run not refused: %q", logs.String())
	}
}

// TestEachLineNamesItsComponentOnce: the runner names the component on
// the logger it hands over, and components add no name of their own, so
// a line says component=NAME once (it said controller=disruption twice).
func TestEachLineNamesItsComponentOnce(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	c, err := NewContext(&rest.Config{Host: "http://127.0.0.1:1"}, Options{
		Clock: clocktesting.NewFakeClock(time.Unix(0, 0)),
		Log:   slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	Run(ctx, c, []Component{{Name: "disruption", Run: func(_ context.Context, cc *Context) error {
		cc.Log.Info("synced")
		return nil
	}}})
	if line := logs.String(); strings.Count(line, "component=disruption") != 1 || strings.Contains(line, "controller=") {
		t.Errorf("log = %q, want component=disruption once", line)
	}
}
