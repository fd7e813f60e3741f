package server_test

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilptr "k8s.io/utils/ptr"
)

// TestNewResourcesThroughClientGo creates secrets, jobs, endpointslices and
// controllerrevisions with a default (protobuf) clientset, reads back what
// the server defaulted, and lists them with field selectors.
func TestNewResourcesThroughClientGo(t *testing.T) {
	t.Parallel()
	client, _ := start(t)
	ctx := t.Context()

	t.Run("secrets", func(t *testing.T) {
		secrets := client.CoreV1().Secrets("default")
		s, err := secrets.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "creds"},
			StringData: map[string]string{"user": "admin"},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Type != corev1.SecretTypeOpaque || string(s.Data["user"]) != "admin" || s.StringData != nil {
			t.Errorf("created secret: type %q data %q stringData %v", s.Type, s.Data, s.StringData)
		}
		tls := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "cert"}, Type: corev1.SecretTypeTLS}
		_, err = secrets.Create(ctx, tls, metav1.CreateOptions{})
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "data[tls.crt]: Required value") {
			t.Fatalf("tls secret without keys: %v", err)
		}
		tls.Data = map[string][]byte{"tls.crt": []byte("c"), "tls.key": []byte("k")}
		if _, err := secrets.Create(ctx, tls, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		list, err := secrets.List(ctx, metav1.ListOptions{FieldSelector: "type=kubernetes.io/tls"})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Items) != 1 || list.Items[0].Name != "cert" {
			t.Errorf("type=kubernetes.io/tls lists %v", names(list.Items))
		}
	})

	t.Run("jobs", func(t *testing.T) {
		jobs := client.BatchV1().Jobs("default")
		j, err := jobs.Create(ctx, &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{Name: "pi"},
			Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "pi", Image: "perl"}}, RestartPolicy: corev1.RestartPolicyNever,
			}}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		uid := string(j.UID)
		if j.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel] != uid || j.Spec.Template.Labels[batchv1.JobNameLabel] != "pi" || *j.Spec.BackoffLimit != 6 {
			t.Errorf("created job spec: %+v", j.Spec)
		}
		j.Status.Succeeded = 1
		if _, err := jobs.UpdateStatus(ctx, j, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		list, err := jobs.List(ctx, metav1.ListOptions{FieldSelector: "status.successful=1"})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Items) != 1 || list.Items[0].Status.Succeeded != 1 {
			t.Errorf("status.successful=1 lists %d jobs", len(list.Items))
		}
	})

	t.Run("endpointslices", func(t *testing.T) {
		slices := client.DiscoveryV1().EndpointSlices("default")
		eps, err := slices.Create(ctx, &discoveryv1.EndpointSlice{
			ObjectMeta:  metav1.ObjectMeta{Name: "web-x1", Labels: map[string]string{discoveryv1.LabelServiceName: "web"}},
			AddressType: discoveryv1.AddressTypeIPv4,
			Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"10.244.0.5"}, Conditions: discoveryv1.EndpointConditions{Ready: utilptr.To(true)}}},
			Ports:       []discoveryv1.EndpointPort{{Port: utilptr.To[int32](80)}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p := eps.Ports[0]; utilptr.Deref(p.Protocol, "") != corev1.ProtocolTCP || p.Name == nil {
			t.Errorf("port not defaulted: %+v", p)
		}
		list, err := slices.List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=web-x1", LabelSelector: discoveryv1.LabelServiceName + "=web"})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Items) != 1 {
			t.Errorf("lists %d slices", len(list.Items))
		}
	})

	t.Run("controllerrevisions", func(t *testing.T) {
		revisions := client.AppsV1().ControllerRevisions("default")
		cr, err := revisions.Create(ctx, &appsv1.ControllerRevision{
			ObjectMeta: metav1.ObjectMeta{Name: "web-5d8f"},
			Data:       runtime.RawExtension{Raw: []byte(`{"spec":{"template":{}}}`)},
			Revision:   1,
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cr.Revision = 2 // a rollback renumbers a revision; its data stays
		if cr, err = revisions.Update(ctx, cr, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		cr.Data.Raw = []byte(`{"spec":{}}`)
		if _, err := revisions.Update(ctx, cr, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) {
			t.Errorf("data change: %v, want 422", err)
		}
		list, err := revisions.List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=web-5d8f"})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Items) != 1 || list.Items[0].Revision != 2 {
			t.Errorf("lists %+v", list.Items)
		}
	})

	t.Run("discovery", func(t *testing.T) {
		for gv, resource := range map[schema.GroupVersion]string{
			corev1.SchemeGroupVersion: "secrets", batchv1.SchemeGroupVersion: "jobs/status",
			discoveryv1.SchemeGroupVersion: "endpointslices", appsv1.SchemeGroupVersion: "controllerrevisions",
		} {
			list, err := client.Discovery().ServerResourcesForGroupVersion(gv.String())
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, r := range list.APIResources {
				found = found || r.Name == resource
			}
			if !found {
				t.Errorf("%s lists no %s", gv, resource)
			}
		}
	})
}

func names(secrets []corev1.Secret) []string {
	var out []string
	for _, s := range secrets {
		out = append(out, s.Name)
	}
	return out
}
