package cli

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/explain"
	"github.com/evictd/evictd/pkg/testserver"
)

// TestExplainCommand drives `evictd explain` through its constructor with
// a kubeconfig, in text and JSON, and refuses bad arguments.
func TestExplainCommand(t *testing.T) {
	t.Parallel()
	srv := testserver.StartWith(t, testserver.Options{Controllers: []string{"disruption"}})
	kubeconfig, err := srv.WriteKubeconfig(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
	if _, err := client.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CoreV1().Pods("shop").Create(t.Context(), &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "cart"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		cmd := newExplain(&out, func() *slog.Logger { return slog.New(slog.DiscardHandler) })
		cmd.SetArgs(append(args, "--kubeconfig", kubeconfig))
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		err := cmd.ExecuteContext(t.Context())
		return out.String(), err
	}
	text, err := run("pod", "cart", "-n", "shop")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(text, "pod shop/cart: eviction allowed now\n") || !strings.Contains(text, "(Bypass)") {
		t.Errorf("text:\n%s", text)
	}
	js, err := run("pod", "cart", "--namespace=shop", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var r explain.Report
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatalf("%v:\n%s", err, js)
	}
	if r.Kind != "Pod" || len(r.Pods) != 1 || r.Pods[0].Decision != explain.Bypass || r.Pods[0].DryRun.Code != 201 {
		t.Errorf("json report %+v", r)
	}
	for _, bad := range [][]string{{"deployment", "x"}, {"pod", "cart", "-o", "yaml"}, {"pod"}, {"pod", "missing"}} {
		if _, err := run(bad...); err == nil {
			t.Errorf("explain %v: no error", bad)
		}
	}
}
