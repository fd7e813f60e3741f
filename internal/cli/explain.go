package cli

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/explain"
)

func newExplain(stdout io.Writer, logger func() *slog.Logger) *cobra.Command {
	flags := genericclioptions.NewConfigFlags(true)
	var output string
	cmd := &cobra.Command{
		Use:   "explain (pod NAME | node NAME | pdb NAME)",
		Short: "Explain why an eviction is, or would be, refused now, changing nothing",
		Long: `explain reads the live state of any cluster (evictd's or a real one) and asks
the API server dry-run evictions (dryRun: ["All"]) to tell why evicting a pod,
draining a node or disrupting a budget's pods is refused now: no budget, two
budgets (the 500), a budget whose status is stale, or an exhausted budget and
why — unready or crash-looping pods, replicas equal to minAvailable,
maxUnavailable 0, percentages over pods without a scalable owner — with what
unhealthyPodEvictionPolicy AlwaysAllow would change, the smallest concrete fix
and the general remedies. It writes nothing.`,
		Example: `  evictd explain pod web-1 -n default
  evictd explain node node-2 -o json
  evictd explain pdb web --kubeconfig evictd.kubeconfig`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			logger()
			client, namespace, err := clientFromFlags(flags)
			if err != nil {
				return err
			}
			ex := explain.New(client, explain.Options{})
			var report *explain.Report
			switch kind, name := args[0], args[1]; kind {
			case "pod", "pods", "po":
				report, err = ex.Pod(cmd.Context(), namespace, name)
			case "node", "nodes", "no":
				report, err = ex.Node(cmd.Context(), name)
			case "pdb", "pdbs", "poddisruptionbudget", "poddisruptionbudgets":
				report, err = ex.PDB(cmd.Context(), namespace, name)
			default:
				return fmt.Errorf("explain: unknown kind %q: want pod, node or pdb", kind)
			}
			if err != nil {
				return err
			}
			if output == "json" {
				return report.WriteJSON(stdout)
			}
			return report.WriteText(stdout)
		},
	}
	flags.AddFlags(cmd.Flags())
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}

// checkOutput refuses an -o value other than text or json.
func checkOutput(output string) error {
	if output != "text" && output != "json" {
		return fmt.Errorf("--output %q: want text or json", output)
	}
	return nil
}

// clientFromFlags builds a clientset and the namespace to use (-n, else
// the kubeconfig context's, else default) by kubectl's rules.
func clientFromFlags(flags *genericclioptions.ConfigFlags) (kubernetes.Interface, string, error) {
	cfg, err := flags.ToRESTConfig()
	if err != nil {
		return nil, "", fmt.Errorf("load kubeconfig: %w", err)
	}
	namespace, _, err := flags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, "", fmt.Errorf("namespace: %w", err)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, "", fmt.Errorf("client: %w", err)
	}
	return client, namespace, nil
}
