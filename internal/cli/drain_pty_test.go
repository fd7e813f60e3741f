package cli

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/creack/pty"

	"github.com/evictd/evictd/internal/drain"
)

// TestDrainCommandLiveViewOnTerminal drains through a pseudo-terminal: the
// command sees a TTY, draws the live view (Bubble Tea, escape sequences),
// and the text on the terminal names the node, the blocked pod and the
// budget's reason.
func TestDrainCommandLiveViewOnTerminal(t *testing.T) {
	t.Parallel()
	e := newDrainEnv(t)
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 300}); err != nil {
		t.Fatal(err)
	}
	var screen bytes.Buffer
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = io.Copy(&screen, ptmx) }) // ends when ptmx closes below

	var stderr bytes.Buffer
	cmd := newDrain(tty, &stderr, func() *slog.Logger { return slog.New(slog.DiscardHandler) })
	cmd.SetArgs([]string{"--kubeconfig", e.kubeconfig, "node-1", "--force", "--timeout", "2s"})
	cmd.SetOut(&stderr)
	cmd.SetErr(&stderr)
	err = cmd.ExecuteContext(t.Context())
	if got := codeOf(err); got != drain.ExitBlocked {
		t.Errorf("exit code %d (%v), want %d; stderr: %s", got, err, drain.ExitBlocked, stderr.String())
	}
	_ = tty.Close()
	_ = ptmx.Close()
	wg.Wait()

	raw := screen.String()
	if !strings.Contains(raw, "\x1b[") {
		t.Errorf("no escape sequences on the terminal: the live view was not used:\n%q", raw)
	}
	// The renderer may move the cursor over unchanged cells instead of
	// writing spaces: compare the text without its escapes and spaces.
	text := squash(ansi.Strip(raw))
	for _, want := range []string{
		"NODE LEFT EVICTING BLOCKED TERMINATING ELAPSED STATUS",
		"node-1",
		"default/db-1: PodDisruptionBudget default/db allows 0 disruptions: 1 healthy of the 1 it needs",
		"failed: pod default/db-1: timed out while blocked: PodDisruptionBudget default/db",
	} {
		if !strings.Contains(text, squash(want)) {
			t.Errorf("the terminal does not show %q:\n%s", want, ansi.Strip(raw))
		}
	}
	if strings.Contains(raw, "node/node-1 cordoned") {
		t.Error("plain log lines went to the terminal as well")
	}
}

// squash drops every space, tab, CR and LF.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
}
