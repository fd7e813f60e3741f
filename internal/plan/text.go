package plan

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteText renders p for people.
func (p *Plan) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "plan for %d node(s): %d wave(s), %d blocked, about %s (at most %s)\n",
		len(p.Nodes), len(p.Waves), len(p.Blocked), seconds(p.Estimate.Seconds), seconds(p.Estimate.WorstSeconds))
	if p.CordonFirst && len(p.Nodes) > 0 {
		fmt.Fprintf(&b, "\nfirst cordon: %s\n", strings.Join(p.Nodes, " "))
	}
	for _, wv := range p.Waves {
		fmt.Fprintf(&b, "\nwave %d: drain %s (about %s, at most %s)\n", wv.Index, strings.Join(wv.Nodes, " "),
			seconds(wv.Estimate.Seconds), seconds(wv.Estimate.WorstSeconds))
		for _, a := range wv.Await {
			fmt.Fprintf(&b, "  await budget %s/%s: currentHealthy >= %d, disruptionsAllowed >= %d\n", a.Namespace, a.Budget, a.CurrentHealthy, a.DisruptionsAllowed)
		}
		for _, e := range wv.Evictions {
			b.WriteString("  " + e.text() + "\n")
		}
	}
	for _, bl := range p.Blocked {
		kind := "blocked"
		if !bl.Permanent {
			kind = "only with 429 retries"
		}
		fmt.Fprintf(&b, "\n%s: %s\n", bl.Node, kind)
		for _, r := range bl.Reasons {
			fmt.Fprintf(&b, "  %s %s/%s: %s\n", r.Code, r.Namespace, r.Pod, r.Message)
		}
	}
	if len(p.Notes) > 0 {
		b.WriteString("\nassumptions:\n")
		for _, n := range p.Notes {
			fmt.Fprintf(&b, "  - %s\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (e *Eviction) text() string {
	s := fmt.Sprintf("evict %s/%s from %s", e.Namespace, e.Name, e.Node)
	switch {
	case e.Budget != "" && e.Unhealthy:
		s += fmt.Sprintf(" (unready; budget %s lets it go)", e.Budget)
	case e.Budget != "":
		s += fmt.Sprintf(" (budget %s)", e.Budget)
	}
	switch {
	case e.Replacement != "":
		s += fmt.Sprintf(" -> replacement on %s, Ready after %s", e.Replacement, seconds(e.ReadySeconds))
	case e.Pending != "":
		s += " -> replacement stays Pending: " + e.Pending
	}
	return s
}

func seconds(s float64) string {
	return (time.Duration(s * float64(time.Second))).Round(time.Second).String()
}
