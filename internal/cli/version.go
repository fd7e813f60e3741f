package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/evictd/evictd/internal/server"
)

func newVersion(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print evictd's version and the Kubernetes API version it serves",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(stdout, versionString())
			return err
		},
	}
}

// versionString says which evictd this is (module version, or the VCS
// revision of a build from a checkout) and which Kubernetes API it serves
// (what /version reports).
func versionString() string {
	version, revision, dirty := "(devel)", "", ""
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && len(s.Value) >= 12:
				revision = " " + s.Value[:12]
			case s.Key == "vcs.modified" && s.Value == "true":
				dirty = "-dirty"
			}
		}
	}
	if revision != "" {
		revision += dirty
	}
	kube := server.Version()
	return fmt.Sprintf("evictd %s%s (Kubernetes API %s, %s %s/%s)", version, revision, kube.GitVersion, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
