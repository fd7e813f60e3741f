package plan

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Snapshot is the cluster state a plan simulates from.
type Snapshot struct {
	Nodes []corev1.Node
	Pods  []corev1.Pod
	PDBs  []policyv1.PodDisruptionBudget
}

// Load lists nodes, pods and budgets of every namespace.
func Load(ctx context.Context, client kubernetes.Interface) (*Snapshot, error) {
	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	pods, err := client.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list pods: %w", err)
	}
	pdbs, err := client.PolicyV1().PodDisruptionBudgets(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list poddisruptionbudgets: %w", err)
	}
	return &Snapshot{Nodes: nodes.Items, Pods: pods.Items, PDBs: pdbs.Items}, nil
}

// Run loads a snapshot and plans the drain of nodes.
func Run(ctx context.Context, client kubernetes.Interface, nodes []string, opts Options) (*Plan, error) {
	snap, err := Load(ctx, client)
	if err != nil {
		return nil, err
	}
	return Make(snap, nodes, opts)
}
