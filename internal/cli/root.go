// Package cli holds evictd's cobra commands, one file per subcommand.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"
)

// Execute runs the command line and returns the process exit code.
func Execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return ExecuteAs(ctx, "evictd", args, stdout, stderr)
}

// ExecuteAs is Execute for a binary known by another name in help and
// usage lines, such as the kubectl plugin "kubectl evictd".
func ExecuteAs(ctx context.Context, name string, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.Annotations = map[string]string{cobra.CommandDisplayNameAnnotation: name}
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "error:", err)
		var coded exitCoder
		if errors.As(err, &coded) {
			return coded.ExitCode()
		}
		return 1
	}
	return 0
}

// exitCoder is an error that chooses the process's exit code, as the drain
// command's "timed out while blocked by a budget" does; any other error
// exits 1.
type exitCoder interface {
	error
	ExitCode() int
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	var verbosity int
	root := &cobra.Command{
		Use:           "evictd",
		Short:         "A Kubernetes API server for rehearsing and studying API-initiated eviction",
		Version:       versionString(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().CountVarP(&verbosity, "verbose", "v", verbosityHelp)
	logger := func() *slog.Logger {
		l := newLogger(stderr, verbosity)
		// client-go and apimachinery log through klog: send it to slog too.
		bridgeKlog(l, verbosity)
		return l
	}
	root.AddCommand(newServe(stdout, logger), newControllers(logger), newKubelet(logger),
		newDrain(stdout, stderr, logger), newExplain(stdout, logger), newPlan(stdout, logger),
		newVersion(stdout))
	return root
}
