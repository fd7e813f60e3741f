// Command kubectl-evictd is evictd as a kubectl plugin: installed on the
// PATH, `kubectl evictd drain NODE`, `kubectl evictd explain pod NAME` and
// `kubectl evictd plan --all` run the same code as `evictd drain`, …
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
	os.Exit(cli.ExecuteAs(ctx, "kubectl evictd", os.Args[1:], os.Stdout, os.Stderr))
}
