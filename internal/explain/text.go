package explain

import (
	"fmt"
	"io"
	"strings"
)

// WriteText renders r for people: one block per pod, then the budgets,
// then the general remedies.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	subject := r.Name
	if r.Namespace != "" {
		subject = r.Namespace + "/" + r.Name
	}
	fmt.Fprintf(&b, "%s %s: %s\n", strings.ToLower(kindWord(r.Kind)), subject, r.summary())
	for i := range r.Pods {
		b.WriteString("\n")
		r.Pods[i].writeText(&b)
	}
	for i := range r.Budgets {
		b.WriteString("\n")
		r.Budgets[i].writeText(&b)
	}
	if len(r.Remedies) > 0 {
		b.WriteString("\nremedies for a stuck eviction:\n")
		for _, m := range r.Remedies {
			fmt.Fprintf(&b, "  - %s\n", m)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func kindWord(kind string) string {
	if kind == "PodDisruptionBudget" {
		return "pdb"
	}
	return kind
}

// summary counts the pods that can and cannot be evicted now.
func (r *Report) summary() string {
	blocked := 0
	for _, v := range r.Pods {
		if !v.Evictable {
			blocked++
		}
	}
	switch {
	case len(r.Pods) == 0:
		return "no pods"
	case r.Kind == "Pod" && blocked == 0:
		return "eviction allowed now"
	case r.Kind == "Pod":
		return "eviction refused now"
	}
	return fmt.Sprintf("%d of %d pods can be evicted now, %d refused", len(r.Pods)-blocked, len(r.Pods), blocked)
}

func (v *PodVerdict) writeText(b *strings.Builder) {
	verdict := "evictable"
	if !v.Evictable {
		verdict = "REFUSED"
	}
	ready := "not Ready"
	if v.Ready {
		ready = "Ready"
	}
	fmt.Fprintf(b, "pod %s/%s: %s (%s)\n", v.Namespace, v.Name, verdict, v.Decision)
	fmt.Fprintf(b, "  node %s, %s, %s", orDash(v.Node), orDash(v.Phase), ready)
	if v.Owner != "" {
		fmt.Fprintf(b, ", owner %s", v.Owner)
	}
	if len(v.Budgets) > 0 {
		fmt.Fprintf(b, ", budget %s", strings.Join(v.Budgets, ", "))
	}
	b.WriteString("\n")
	if d := v.DryRun; d != nil {
		fmt.Fprintf(b, "  server (dry run): %s\n", d.text())
	}
	for _, why := range v.Why {
		fmt.Fprintf(b, "  why: %s\n", why)
	}
	if v.AlwaysAllow != "" {
		fmt.Fprintf(b, "  unhealthyPodEvictionPolicy AlwaysAllow: %s\n", v.AlwaysAllow)
	}
	if v.Fix != "" {
		fmt.Fprintf(b, "  smallest fix: %s\n", v.Fix)
	}
}

func (d *DryRun) text() string {
	if d.Code == 201 {
		return "201 Created (would evict)"
	}
	s := fmt.Sprintf("%d %s: %s", d.Code, d.Reason, d.Message)
	if d.Cause != "" {
		s += " (" + d.Cause + ")"
	}
	if d.RetryAfterSeconds > 0 {
		s += fmt.Sprintf(" [Retry-After %d]", d.RetryAfterSeconds)
	}
	if d.Disagrees {
		s += " — differs from the objects read a moment ago: they are changing"
	}
	return s
}

func (bu *Budget) writeText(b *strings.Builder) {
	spec := "no minAvailable or maxUnavailable"
	switch {
	case bu.MinAvailable != "":
		spec = "minAvailable " + bu.MinAvailable
	case bu.MaxUnavailable != "":
		spec = "maxUnavailable " + bu.MaxUnavailable
	}
	fmt.Fprintf(b, "budget %s/%s: %s, selector %s, unhealthyPodEvictionPolicy %s\n", bu.Namespace, bu.Name, spec, bu.Selector, bu.UnhealthyPodEvictionPolicy)
	fmt.Fprintf(b, "  status: allowed %d, healthy %d, desired %d, expected %d, generation %d observed %d\n",
		bu.DisruptionsAllowed, bu.CurrentHealthy, bu.DesiredHealthy, bu.ExpectedPods, bu.Generation, bu.ObservedGeneration)
	names := make([]string, 0, len(bu.Pods))
	for _, p := range bu.Pods {
		s := p.Name
		switch {
		case p.Deleting:
			s += " (deleting)"
		case p.CrashLoopBackOff:
			s += fmt.Sprintf(" (CrashLoopBackOff, %d restarts)", p.Restarts)
		case !p.Ready:
			s += " (not Ready since " + p.NotReadySince + ")"
		}
		names = append(names, s)
	}
	if len(names) == 0 {
		names = []string{"none"}
	}
	fmt.Fprintf(b, "  pods: %s\n", strings.Join(names, ", "))
	for _, f := range bu.Findings {
		fmt.Fprintf(b, "  %s: %s\n", f.Code, f.Message)
	}
	if bu.Fix != "" {
		fmt.Fprintf(b, "  smallest fix: %s\n", bu.Fix)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
