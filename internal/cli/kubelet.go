package cli

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/component"
	"github.com/evictd/evictd/internal/kubelet"
)

// kubeletFlags are the simulated nodes' flags, shared by serve and kubelet.
type kubeletFlags struct {
	nodes                int
	namePrefix           string
	cpu, memory, podsCap string
	zones                int
}

func (k *kubeletFlags) add(f *pflag.FlagSet, defaultNodes int) {
	f.IntVar(&k.nodes, "nodes", defaultNodes, "number of simulated nodes (each with its own simulated kubelet); 0 for none")
	f.StringVar(&k.namePrefix, "name-prefix", "node-", "simulated nodes are named PREFIX1 … PREFIXN")
	f.StringVar(&k.cpu, "node-cpu", "32", "CPU capacity of each simulated node")
	f.StringVar(&k.memory, "node-memory", "256Gi", "memory capacity of each simulated node")
	f.StringVar(&k.podsCap, "node-pods", "110", "pod capacity of each simulated node")
	f.IntVar(&k.zones, "zones", 3, "zones the simulated nodes are spread over (label topology.kubernetes.io/zone: zone-a, zone-b, …)")
}

// options checks the flags and turns them into kubelet.Options.
func (k *kubeletFlags) options() (kubelet.Options, error) {
	o := kubelet.Options{Nodes: k.nodes, NamePrefix: k.namePrefix, Zones: k.zones}
	for _, q := range []struct {
		flag, value string
		into        *resource.Quantity
	}{{"--node-cpu", k.cpu, &o.CPU}, {"--node-memory", k.memory, &o.Memory}, {"--node-pods", k.podsCap, &o.Pods}} {
		v, err := resource.ParseQuantity(q.value)
		if err != nil || v.Sign() <= 0 {
			return o, fmt.Errorf("%s %q: must be a positive quantity", q.flag, q.value)
		}
		*q.into = v
	}
	if k.zones < 1 {
		return o, fmt.Errorf("--zones %d: must be at least 1", k.zones)
	}
	return o, o.Validate()
}

func newKubelet(logger func() *slog.Logger) *cobra.Command {
	var kubeconfig, kubeContext string
	var flags kubeletFlags
	cmd := &cobra.Command{
		Use:   "kubelet",
		Short: "Run simulated kubelets for N nodes against any Kubernetes API server",
		Long: `kubelet registers N simulated nodes with the cluster of a kubeconfig —
evictd's own, or a real one — keeps their leases and status fresh, and plays
the pods bound to them: start, readiness, crash loops, and graceful
termination with preStop, SIGTERM, the grace period and the final delete.
Pod behaviour comes from sim.evictd.io/* annotations (see docs/kubelet.md).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runKubelet(cmd.Context(), kubeconfig, kubeContext, flags, logger())
		},
	}
	cmd.Flags().StringVar(&kubeconfig, "kubeconfig", "", "path to the kubeconfig (default: $KUBECONFIG or ~/.kube/config)")
	cmd.Flags().StringVar(&kubeContext, "context", "", "kubeconfig context to use (default: the current one)")
	flags.add(cmd.Flags(), 3)
	return cmd
}

func runKubelet(ctx context.Context, kubeconfig, kubeContext string, flags kubeletFlags, log *slog.Logger) error {
	opts, err := flags.options()
	if err != nil {
		return err
	}
	if opts.Nodes == 0 {
		return fmt.Errorf("--nodes 0: nothing to run")
	}
	cfg, err := loadKubeconfig(kubeconfig, kubeContext)
	if err != nil {
		return err
	}
	cc, err := component.NewContext(cfg, component.Options{Clock: clock.RealClock{}, Log: log})
	if err != nil {
		return err
	}
	sim := kubelet.New(opts)
	log.Info("running simulated kubelets", "server", cfg.Host, "nodes", opts.Nodes, "prefix", opts.NamePrefix)
	component.Run(ctx, cc, []component.Component{sim.Component()})
	return nil
}
