package rootcacert

import (
	"io"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"
)

const ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

func configMap(data map[string]string, annotations map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName, Namespace: "ns", Annotations: annotations}, Data: data}
}

func TestSyncPublishes(t *testing.T) {
	t.Parallel()
	described := map[string]string{DescriptionAnnotation: Description}
	tests := []struct {
		name       string
		existing   *corev1.ConfigMap
		wantVerb   string // the write expected, "" for none
		createFail error
	}{
		{name: "missing is created", wantVerb: "create"},
		{name: "up to date is left alone", existing: configMap(map[string]string{DataKey: ca}, described)},
		{name: "edited data is restored", existing: configMap(map[string]string{DataKey: "x", "extra": "y"}, described), wantVerb: "update"},
		{name: "a missing description is restored", existing: configMap(map[string]string{DataKey: ca}, nil), wantVerb: "update"},
		{name: "a terminating namespace is not retried", wantVerb: "create", createFail: &apierrors.StatusError{ErrStatus: metav1.Status{
			Code: 403, Reason: metav1.StatusReasonForbidden,
			Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{{Type: corev1.NamespaceTerminatingCause}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var objs []runtime.Object
			if tt.existing != nil {
				objs = append(objs, tt.existing)
			}
			client := fake.NewClientset(objs...)
			if tt.createFail != nil {
				client.PrependReactor("create", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, tt.createFail })
			}
			factory := informers.NewSharedInformerFactory(client, 0)
			p, err := New(client, factory, []byte(ca), clocktesting.NewFakeClock(time.Unix(0, 0)), Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(p.queue.ShutDown)
			for _, o := range objs {
				if err := factory.Core().V1().ConfigMaps().Informer().GetStore().Add(o); err != nil {
					t.Fatal(err)
				}
			}
			if err := p.sync(t.Context(), "ns"); err != nil {
				t.Fatal(err)
			}
			var verbs []string
			for _, a := range client.Actions() {
				verbs = append(verbs, a.GetVerb())
			}
			if (tt.wantVerb == "" && len(verbs) != 0) || (tt.wantVerb != "" && (len(verbs) != 1 || verbs[0] != tt.wantVerb)) {
				t.Fatalf("writes %v, want [%s]", verbs, tt.wantVerb)
			}
			if tt.createFail != nil || tt.wantVerb == "" {
				return
			}
			cm, err := client.CoreV1().ConfigMaps("ns").Get(t.Context(), ConfigMapName, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(cm.Data) != 1 || cm.Data[DataKey] != ca || cm.Annotations[DescriptionAnnotation] != Description {
				t.Errorf("configmap data %v annotations %v", cm.Data, cm.Annotations)
			}
		})
	}
}

func TestOnlyItsConfigMapIsWatched(t *testing.T) {
	t.Parallel()
	client := fake.NewClientset()
	p, err := New(client, informers.NewSharedInformerFactory(client, 0), []byte(ca), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.queue.ShutDown)
	p.configMapChanged(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "other", Namespace: "ns"}})
	p.configMapChanged(configMap(nil, nil))
	if n := p.queue.Len(); n != 1 {
		t.Errorf("%d namespaces queued, want 1", n)
	}
}
