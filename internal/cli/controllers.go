package cli

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/component"
	"github.com/evictd/evictd/internal/components"
)

func newControllers(logger func() *slog.Logger) *cobra.Command {
	var kubeconfig, kubeContext string
	cmd := &cobra.Command{
		Use:   "controllers",
		Short: "Run evictd's controllers (the disruption controller) against any Kubernetes API server",
		Long: `controllers runs the controllers of the eviction flow — today the disruption
controller, which keeps every PodDisruptionBudget's status true — against the
cluster of a kubeconfig: evictd's own, or a real one (where kube-controller-
manager's disruption controller should then be off, or the two will race).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runControllers(cmd.Context(), kubeconfig, kubeContext, logger())
		},
	}
	cmd.Flags().StringVar(&kubeconfig, "kubeconfig", "", "path to the kubeconfig (default: $KUBECONFIG or ~/.kube/config)")
	cmd.Flags().StringVar(&kubeContext, "context", "", "kubeconfig context to use (default: the current one)")
	return cmd
}

func runControllers(ctx context.Context, kubeconfig, kubeContext string, log *slog.Logger) error {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: kubeContext}).ClientConfig()
	if err != nil {
		return fmt.Errorf("load kubeconfig: %w", err)
	}
	log.Info("running controllers", "server", cfg.Host)
	cc, err := component.NewContext(cfg, component.Options{Clock: clock.RealClock{}, Log: log})
	if err != nil {
		return err
	}
	component.Run(ctx, cc, components.Controllers())
	return nil
}
