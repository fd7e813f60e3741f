package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"

	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/component"
	"github.com/evictd/evictd/internal/components"
)

func newControllers(logger func() *slog.Logger) *cobra.Command {
	var kubeconfig, kubeContext string
	selection := []string{"*"}
	cmd := &cobra.Command{
		Use:   "controllers",
		Short: "Run evictd's controllers and scheduler against any Kubernetes API server",
		Long: `controllers runs the controllers of the eviction flow and the scheduler
against the cluster of a kubeconfig: evictd's own, or a real one (where
kube-controller-manager's and kube-scheduler's counterparts should then be off
for the ones selected, or the two will race). --controllers selects them as
kube-controller-manager's flag does: "*" for all, "NAME" to add one, "-NAME" to
leave one out.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runControllers(cmd.Context(), kubeconfig, kubeContext, selection, logger())
		},
	}
	cmd.Flags().StringVar(&kubeconfig, "kubeconfig", "", "path to the kubeconfig (default: $KUBECONFIG or ~/.kube/config)")
	cmd.Flags().StringVar(&kubeContext, "context", "", "kubeconfig context to use (default: the current one)")
	addControllersFlag(cmd, &selection)
	return cmd
}

// addControllersFlag adds --controllers, listing the known names.
func addControllersFlag(cmd *cobra.Command, selection *[]string) {
	names := component.Names(components.Controllers(components.Options{}))
	cmd.Flags().StringSliceVar(selection, "controllers", *selection, fmt.Sprintf(
		`components to run: "*" for all, "NAME" to add one, "-NAME" to leave one out, "false" for none; known: %v`, names))
}

// The client rate of the components run against a kubeconfig, unless it
// sets its own.
const (
	defaultQPS   = 500
	defaultBurst = 1000
)

// loadKubeconfig reads a client configuration by kubectl's rules.
func loadKubeconfig(kubeconfig, kubeContext string) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: kubeContext}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	// Many components share this one client: kube-controller-manager's
	// defaults (20 qps) would starve thousands of simulated nodes.
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = defaultQPS, defaultBurst
	}
	return cfg, nil
}

func runControllers(ctx context.Context, kubeconfig, kubeContext string, selection []string, log *slog.Logger) error {
	cfg, err := loadKubeconfig(kubeconfig, kubeContext)
	if err != nil {
		return err
	}
	selected, err := component.Select(components.Controllers(clusterOptions(cfg)), selection)
	if err != nil {
		return err
	}
	cc, err := component.NewContext(cfg, component.Options{Clock: clock.RealClock{}, Log: log})
	if err != nil {
		return err
	}
	log.Info("running controllers", "server", cfg.Host, "controllers", component.Names(selected))
	component.Run(ctx, cc, selected)
	return nil
}

// clusterOptions tells the components what the kubeconfig says of the
// cluster: its CA and the API server's address.
func clusterOptions(cfg *rest.Config) components.Options {
	var o components.Options
	o.RootCA = cfg.CAData
	if len(o.RootCA) == 0 && cfg.CAFile != "" {
		o.RootCA, _ = os.ReadFile(cfg.CAFile)
	}
	if u, err := url.Parse(cfg.Host); err == nil {
		host, port, err := net.SplitHostPort(u.Host)
		if err != nil {
			host, port = u.Host, "443"
		}
		n, _ := strconv.ParseInt(port, 10, 32)
		o.APIServerHost, o.APIServerPort = host, int32(n)
	}
	return o
}
