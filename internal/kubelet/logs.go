package kubelet

import (
	"context"
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// timestampFormat is the kubelet's fixed-width RFC 3339 for --timestamps.
const timestampFormat = "2006-01-02T15:04:05.000000000Z07:00"

var podsResource = schema.GroupResource{Resource: "pods"}

// StreamLogs writes the log of one container of the pod namespace/name as
// the kubelet serves it for kubectl logs: opts.Container (or the only
// container), the previous instance with opts.Previous, filtered by
// sinceSeconds/sinceTime, tailLines and limitBytes, each line prefixed with
// its time with opts.Timestamps; with opts.Follow it keeps writing until the
// container ends or ctx ends. Errors found before anything is written are
// API errors (NotFound, BadRequest).
func (s *Simulator) StreamLogs(ctx context.Context, w io.Writer, namespace, name string, opts *corev1.PodLogOptions) error {
	if opts == nil {
		opts = &corev1.PodLogOptions{}
	}
	p := s.lookup(namespace + "/" + name)
	if p == nil {
		return apierrors.NewNotFound(podsResource, name)
	}
	p.mu.Lock()
	c, inst, err := p.logTarget(opts)
	if err != nil {
		p.mu.Unlock()
		return err
	}
	lines := filterLines(inst.logs, opts, s.now())
	sent := len(inst.logs)
	follow := opts.Follow && !opts.Previous && inst.running() && !p.gone
	changed := p.changed
	p.mu.Unlock()

	out := &logWriter{w: w, opts: opts}
	if err := out.write(lines); err != nil || !follow || out.full() {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		}
		p.mu.Lock()
		lines, sent = inst.logs[sent:], len(inst.logs)
		follow = inst.running() && !p.gone && c.cur == inst
		changed = p.changed
		p.mu.Unlock()
		if err := out.write(lines); err != nil || !follow || out.full() {
			return err
		}
	}
}

// logTarget is the container and instance whose log opts asks for.
// Caller holds p.mu.
func (p *proc) logTarget(opts *corev1.PodLogOptions) (*container, *instance, error) {
	c, err := p.logContainer(opts.Container)
	if err != nil {
		return nil, nil, err
	}
	if opts.Previous {
		if c.prev == nil {
			return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("previous terminated container %q in pod %q not found", c.name, p.name))
		}
		return c, c.prev, nil
	}
	if c.cur == nil {
		return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("container %q in pod %q is waiting to start: %s", c.name, p.name, p.waitingReason(c)))
	}
	return c, c.cur, nil
}

// logContainer finds the container called name; an empty name means the
// pod's only regular container, as upstream.
func (p *proc) logContainer(name string) (*container, error) {
	var regular, init []string
	for _, c := range p.conts {
		if c.name == name {
			return c, nil
		}
		if c.init {
			init = append(init, c.name)
		} else {
			regular = append(regular, c.name)
		}
	}
	if name != "" {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", name, p.name))
	}
	if len(regular) == 1 {
		return p.conts[len(init)], nil
	}
	msg := fmt.Sprintf("a container name must be specified for pod %s, choose one of: %s", p.name, list(regular))
	if len(init) > 0 {
		msg += " or one of the init containers: " + list(init)
	}
	return nil, apierrors.NewBadRequest(msg)
}

// filterLines applies sinceSeconds, sinceTime and tailLines.
func filterLines(lines []logLine, opts *corev1.PodLogOptions, now time.Time) []logLine {
	var since time.Time
	switch {
	case opts.SinceSeconds != nil:
		since = now.Add(-time.Duration(*opts.SinceSeconds) * time.Second)
	case opts.SinceTime != nil:
		since = opts.SinceTime.Time
	}
	start := 0
	for start < len(lines) && lines[start].at.Before(since) {
		start++
	}
	lines = lines[start:]
	if opts.TailLines != nil && int(*opts.TailLines) < len(lines) {
		lines = lines[len(lines)-int(*opts.TailLines):]
	}
	return append([]logLine(nil), lines...)
}

// logWriter writes log lines, with timestamps if asked, until limitBytes.
type logWriter struct {
	w       io.Writer
	opts    *corev1.PodLogOptions
	written int64
}

// full reports whether limitBytes have been written.
func (l *logWriter) full() bool { return l.opts.LimitBytes != nil && l.written >= *l.opts.LimitBytes }

func (l *logWriter) write(lines []logLine) error {
	for _, line := range lines {
		text := line.at.UTC().Format(time.RFC3339) + " " + line.text + "\n"
		if l.opts.Timestamps {
			text = line.at.UTC().Format(timestampFormat) + " " + text
		}
		if l.opts.LimitBytes != nil {
			if room := *l.opts.LimitBytes - l.written; int64(len(text)) > room {
				text = text[:max(room, 0)]
			}
		}
		n, err := io.WriteString(l.w, text)
		l.written += int64(n)
		if err != nil {
			return err
		}
		if l.full() {
			return nil
		}
	}
	return nil
}
