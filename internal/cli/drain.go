package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/drain"
	"github.com/evictd/evictd/internal/drain/view"
)

// drainFlags are evictd drain's flags beyond the kubeconfig ones.
type drainFlags struct {
	opts     drain.Options
	selector string
	dryRun   string
	output   string
}

// The client rate of evictd drain unless the kubeconfig sets one:
// client-go's default 5/s would make 250 evictions take 50 s; the server's
// own 429s (inflight limits) are honoured through Retry-After.
const (
	drainQPS   = 100
	drainBurst = 200
)

// newDrain is `evictd drain` (and `kubectl evictd drain`).
func newDrain(stdout, stderr io.Writer, logger func() *slog.Logger) *cobra.Command {
	config := genericclioptions.NewConfigFlags(true)
	f := drainFlags{opts: drain.DefaultOptions()}
	cmd := &cobra.Command{
		Use:   "drain NODE... | -l SELECTOR",
		Short: "Cordon and drain nodes as kubectl drain does, many at once, paced by PodDisruptionBudget",
		Long: `drain cordons the nodes, then evicts their pods with the same filters and
flags as kubectl drain (DaemonSet, mirror, unmanaged and emptyDir pods), several
nodes at once, each budget's pods one after the other as the budget allows, and
waits until every pod is gone. Exit codes: 0 drained, 1 error, 2 timed out while
a PodDisruptionBudget blocked a pod (docs/drain.md).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			logger() // bridges client-go's klog lines into the command's log
			return runDrain(cmd, config, &f, args, stdout, stderr)
		},
	}
	config.AddFlags(cmd.Flags())
	addDrainFlags(cmd, &f)
	return cmd
}

func addDrainFlags(cmd *cobra.Command, f *drainFlags) {
	fl := cmd.Flags()
	o := &f.opts
	fl.BoolVar(&o.Force, "force", false, "continue even if there are pods that do not declare a controller")
	fl.BoolVar(&o.IgnoreDaemonSets, "ignore-daemonsets", false, "ignore DaemonSet-managed pods")
	fl.BoolVar(&o.DeleteEmptyDirData, "delete-emptydir-data", false, "continue even if there are pods using emptyDir (local data that will be deleted)")
	fl.IntVar(&o.GracePeriodSeconds, "grace-period", -1, "seconds given to each pod to terminate gracefully; negative: the pod's own")
	fl.DurationVar(&o.Timeout, "timeout", 0, "how long to wait for each node before giving up; 0 waits forever")
	fl.StringVar(&o.PodSelector, "pod-selector", "", "label selector to filter pods on the node")
	fl.BoolVar(&o.DisableEviction, "disable-eviction", false, "delete pods instead of evicting them, bypassing PodDisruptionBudgets")
	fl.IntVar(&o.SkipWaitForDeleteTimeoutSeconds, "skip-wait-for-delete-timeout", 0, "stop waiting for a pod whose deletionTimestamp is more than N seconds old; 0 waits")
	fl.Int64Var(&o.ChunkSize, "chunk-size", drain.DefaultChunkSize, "list pods and nodes in pages of this size; 0 for no paging")
	fl.StringVarP(&f.selector, "selector", "l", "", "drain the nodes this label selector matches")
	fl.StringVar(&f.dryRun, "dry-run", "none", `"none", "server" or "client": client only prints what would be evicted, server asks the server without persisting`)
	fl.Lookup("dry-run").NoOptDefVal = "unchanged"
	fl.IntVar(&o.MaxConcurrentNodes, "max-concurrent-nodes", drain.DefaultMaxConcurrentNodes, "how many nodes drain at once")
	fl.BoolVar(&o.UncordonOnFailure, "uncordon-on-failure", false, "make a node schedulable again when its drain gives up")
	fl.StringVarP(&f.output, "output", "o", "", `"json" prints a report per node and pod on stdout (progress then goes to stderr)`)
}

func runDrain(cmd *cobra.Command, config *genericclioptions.ConfigFlags, f *drainFlags, args []string, stdout, stderr io.Writer) error {
	var err error
	if f.opts.DryRun, err = drain.ParseDryRun(f.dryRun); err != nil {
		return err
	}
	if f.output != "" && f.output != "json" {
		return fmt.Errorf(`invalid --output %q: only "json" is supported`, f.output)
	}
	if f.opts.MaxConcurrentNodes < 1 {
		return fmt.Errorf("invalid --max-concurrent-nodes %d: must be at least 1", f.opts.MaxConcurrentNodes)
	}
	if f.opts.ChunkSize < 0 {
		return fmt.Errorf("invalid --chunk-size %d: must not be negative", f.opts.ChunkSize)
	}
	if len(args) == 0 && f.selector == "" {
		return fmt.Errorf("USAGE: %s", cmd.Use)
	}
	cfg, err := config.ToRESTConfig()
	if err != nil {
		return fmt.Errorf("load kubeconfig: %w", err)
	}
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = drainQPS, drainBurst
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("build client: %w", err)
	}
	ctx := cmd.Context()
	nodes, err := drain.Nodes(ctx, client, args, f.selector, f.opts.ChunkSize)
	if err != nil {
		return err
	}
	progress := stdout
	if f.output == "json" {
		progress = stderr
	}
	f.opts.Observe = view.Lines(progress)
	var live *view.Live
	if isTerminal(progress) {
		live = view.StartLive(ctx, progress, time.Now)
		f.opts.Observe = live.Observe
	}
	report := drain.New(client, f.opts).Run(ctx, nodes)
	if live != nil {
		if err := live.Stop(); err != nil {
			fmt.Fprintln(stderr, "warning:", err)
		}
	}
	if f.output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	return report.Err()
}

// isTerminal says whether w is a terminal, where the live view goes;
// anything else gets timestamped lines.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
