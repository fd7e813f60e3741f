// Command evictd is a Kubernetes API server, controllers and simulated
// kubelets in one binary, built to rehearse and study API-initiated
// eviction. See `evictd --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/evictd/evictd/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(cli.Execute(ctx, os.Args[1:], os.Stdout, os.Stderr))
}
