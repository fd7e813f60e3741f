package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/plan"
)

func newPlan(stdout io.Writer, logger func() *slog.Logger) *cobra.Command {
	flags := genericclioptions.NewConfigFlags(true)
	var (
		output, selector string
		all              bool
		opts             plan.Options
	)
	cmd := &cobra.Command{
		Use:   "plan (NODE... | -l SELECTOR | --all)",
		Short: "Plan the drain of many nodes in waves without a single 429, changing nothing",
		Long: `plan reads nodes, pods and budgets of any cluster and simulates draining the
nodes asked for: the waves in which they can be drained without one 429
(every budget respected, counting that replacements are healthy only once
Ready, and where they would be scheduled), the nodes that can never be drained
as things stand and why, and an estimate of the duration from grace periods
and readiness delays. The plan assumes every node asked for is cordoned first.
It writes nothing.`,
		Example: `  evictd plan node-1 node-2 node-3
  evictd plan -l topology.kubernetes.io/zone=zone-a -o json
  evictd plan --all --force`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			chosen := 0
			for _, set := range []bool{len(args) > 0, selector != "", all} {
				if set {
					chosen++
				}
			}
			if chosen != 1 {
				return errors.New("plan: give node names, -l SELECTOR or --all (exactly one)")
			}
			logger()
			client, _, err := clientFromFlags(flags)
			if err != nil {
				return err
			}
			snap, err := plan.Load(cmd.Context(), client)
			if err != nil {
				return err
			}
			nodes, err := planNodes(cmd.Context(), client, args, selector, all)
			if err != nil {
				return err
			}
			p, err := plan.Make(snap, nodes, opts)
			if err != nil {
				return err
			}
			if output == "json" {
				return p.WriteJSON(stdout)
			}
			return p.WriteText(stdout)
		},
	}
	flags.AddFlags(cmd.Flags())
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	cmd.Flags().StringVarP(&selector, "selector", "l", "", "plan the nodes matching this label selector")
	cmd.Flags().BoolVar(&all, "all", false, "plan every node")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "assume kubectl drain --force: pods without a controller are deleted (and not replaced)")
	cmd.Flags().BoolVar(&opts.DeleteEmptyDirData, "delete-emptydir-data", false, "assume kubectl drain --delete-emptydir-data")
	return cmd
}

// planNodes is the nodes named, or those -l or --all select, by name.
func planNodes(ctx context.Context, client kubernetes.Interface, names []string, selector string, all bool) ([]string, error) {
	if !all && selector == "" {
		return names, nil
	}
	list, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, fmt.Errorf("list nodes %q: %w", selector, err)
	}
	nodes := make([]string, 0, len(list.Items))
	for _, n := range list.Items {
		nodes = append(nodes, n.Name)
	}
	slices.Sort(nodes)
	return nodes, nil
}
