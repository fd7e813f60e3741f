package view

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/evictd/evictd/internal/drain"
)

// Live is a drain's progress on a terminal: a table with a row per node —
// pods left, evicting, blocked, terminating with the grace left, elapsed —
// and the reason of each block below it, redrawn in place by Bubble Tea.
type Live struct {
	prog *tea.Program
	done chan struct{}
	err  error
}

// refresh is how often the elapsed times and grace countdowns redraw
// when no event does.
const refresh = 250 * time.Millisecond

// StartLive starts drawing on out (a terminal) until Stop. now is the
// clock the countdowns read.
func StartLive(ctx context.Context, out io.Writer, now func() time.Time) *Live {
	m := &model{now: now, nodes: map[string]*nodeState{}}
	l := &Live{done: make(chan struct{})}
	// No input (the drain reads no keys, and Ctrl-C stays the process's
	// signal); no signal handler, for the same reason.
	l.prog = tea.NewProgram(m, tea.WithContext(ctx), tea.WithOutput(out), tea.WithInput(nil), tea.WithoutSignalHandler())
	go func() {
		defer close(l.done)
		_, l.err = l.prog.Run()
	}()
	return l
}

// Observe hands an event to the view; it is an Options.Observe.
func (l *Live) Observe(e drain.Event) { l.prog.Send(eventMsg(e)) }

// Stop draws the final state, leaves it on the terminal and returns.
func (l *Live) Stop() error {
	l.prog.Send(stopMsg{})
	<-l.done
	if l.err != nil && !strings.Contains(l.err.Error(), "context canceled") {
		return fmt.Errorf("live view: %w", l.err)
	}
	return nil
}

type (
	eventMsg drain.Event
	stopMsg  struct{}
	tickMsg  time.Time
)

// podPhase is where a pod is, as the view shows it.
type podPhase int

const (
	phaseWaiting podPhase = iota
	phaseEvicting
	phaseBlocked
	phaseTerminating
	phaseDone
)

type podState struct {
	phase    podPhase
	reason   string
	deadline time.Time
}

type nodeState struct {
	started time.Time
	ended   time.Time
	total   int
	status  string
	pods    map[string]*podState
}

// model is the Bubble Tea model: the state of every node and pod.
type model struct {
	now   func() time.Time
	order []string
	nodes map[string]*nodeState
}

func (m *model) Init() tea.Cmd { return tick() }

func tick() tea.Cmd { return tea.Tick(refresh, func(t time.Time) tea.Msg { return tickMsg(t) }) }

func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case eventMsg:
		m.apply(drain.Event(msg))
	case tickMsg:
		return m, tick()
	case stopMsg:
		return m, tea.Quit
	}
	return m, nil
}

// apply folds one event into the state.
func (m *model) apply(e drain.Event) {
	n, ok := m.nodes[e.Node]
	if !ok {
		n = &nodeState{started: e.Time, status: "cordoning", pods: map[string]*podState{}}
		m.nodes[e.Node] = n
		m.order = append(m.order, e.Node)
	}
	if e.Pod == "" {
		m.applyNode(n, e)
		return
	}
	p, ok := n.pods[e.Pod]
	if !ok {
		p = &podState{}
		n.pods[e.Pod] = p
	}
	switch e.Type {
	case drain.PodEvicting:
		p.phase = phaseEvicting
	case drain.PodBlocked:
		p.phase, p.reason = phaseBlocked, e.Message
	case drain.PodEvicted:
		if p.phase != phaseTerminating {
			p.phase = phaseTerminating
		}
	case drain.PodTerminating:
		p.phase, p.deadline = phaseTerminating, e.Deadline
	case drain.PodDeleted, drain.PodFailed:
		p.phase = phaseDone
		if e.Type == drain.PodFailed {
			p.reason = e.Message
		}
	}
}

func (m *model) applyNode(n *nodeState, e drain.Event) {
	switch e.Type {
	case drain.NodeCordoned:
		n.status = "cordoned"
	case drain.NodeListed:
		n.total, n.status = e.Count, "draining"
		if n.started.IsZero() || e.Time.Before(n.started) {
			n.started = e.Time
		}
	case drain.NodeDrained:
		n.status, n.ended = "drained", e.Time
		if e.Message == string(drain.NodeOutcomeDryRun) {
			n.status = "drained (dry run)"
		}
	case drain.NodeFailed:
		n.status, n.ended = "failed: "+firstLine(e.Message), e.Time
	case drain.NodeUncordoned:
		n.status += ", uncordoned"
	}
}

// maxReasons caps the block reasons listed under the table.
const maxReasons = 10

func (m *model) View() tea.View {
	now := m.now()
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tLEFT\tEVICTING\tBLOCKED\tTERMINATING\tELAPSED\tSTATUS")
	var reasons []string
	for _, name := range m.order {
		n := m.nodes[name]
		var left, evicting, blocked, terminating int
		var graceLeft time.Duration = -1
		for pod, p := range n.pods {
			switch p.phase {
			case phaseEvicting, phaseWaiting:
				evicting++
			case phaseBlocked:
				blocked++
				reasons = append(reasons, fmt.Sprintf("%s %s: %s", name, pod, p.reason))
			case phaseTerminating:
				terminating++
				if g := p.deadline.Sub(now); !p.deadline.IsZero() && (graceLeft < 0 || g < graceLeft) {
					graceLeft = max(g, 0)
				}
			}
			if p.phase != phaseDone {
				left++
			}
		}
		left += max(n.total-len(n.pods), 0) // listed, no event yet
		term := fmt.Sprint(terminating)
		if graceLeft >= 0 {
			term = fmt.Sprintf("%d (grace %s left)", terminating, graceLeft.Round(time.Second))
		}
		end := now
		if !n.ended.IsZero() {
			end = n.ended
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\n", name, left, evicting, blocked, term, end.Sub(n.started).Round(100*time.Millisecond), n.status)
	}
	_ = tw.Flush()
	sort.Strings(reasons)
	if len(reasons) > 0 {
		b.WriteString("\nblocked:\n")
		for i, r := range reasons {
			if i == maxReasons {
				fmt.Fprintf(&b, "  … and %d more\n", len(reasons)-maxReasons)
				break
			}
			b.WriteString("  " + r + "\n")
		}
	}
	return tea.NewView(b.String())
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}
