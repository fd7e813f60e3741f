package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// TestEdit: kubectl edit runs $KUBE_EDITOR on the object's YAML and sends
// what changed as a strategic-merge patch.
func TestEdit(t *testing.T) {
	withKubectl(t, func(t *testing.T, e *env) {
		e.run(t, "create", "-f", "testdata/pod.yaml")

		// The editor: kubectl passes the file to edit as the last argument.
		editor := filepath.Join(t.TempDir(), "editor.sh")
		script := "#!/bin/sh\nexec sed -i 's/app: web$/app: edited/' \"$1\"\n"
		if err := os.WriteFile(editor, []byte(script), 0o700); err != nil {
			t.Fatal(err)
		}
		r := e.runEnv(t, []string{"KUBE_EDITOR=" + editor}, 0, "edit", "pod/web")
		wantLine(t, r.stdout, `^pod/web edited$`)
		if got := e.pod(t, "web").Labels["app"]; got != "edited" {
			t.Errorf("label app %q after edit, want edited\n%s", got, r)
		}

		// An editor that changes nothing: kubectl sends nothing.
		r = e.runEnv(t, []string{"KUBE_EDITOR=true"}, 0, "edit", "pod/web")
		wantLine(t, r.stderr+r.stdout, `Edit cancelled, no changes made`)
	})
}
