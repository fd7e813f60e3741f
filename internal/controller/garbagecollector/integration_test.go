package garbagecollector_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/component"
	"github.com/evictd/evictd/internal/controller/garbagecollector"
	"github.com/evictd/evictd/pkg/testserver"
)

// cluster is a real evictd running only the garbage collector.
type cluster struct {
	t      *testing.T
	client kubernetes.Interface
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	srv := testserver.StartWith(t, testserver.Options{WithoutControllers: true})
	cfg := srv.RESTConfig()
	// The collector lists and watches every resource at start and the
	// subtests poll in parallel: the default client rate limit (5 qps)
	// would make both take seconds.
	cfg.QPS, cfg.Burst = -1, -1
	cc, err := component.NewContext(cfg, component.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		component.Run(ctx, cc, []component.Component{garbagecollector.Component()})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return &cluster{t: t, client: kubernetes.NewForConfigOrDie(cfg)}
}

func (c *cluster) namespace(name string) string {
	c.t.Helper()
	if _, err := c.client.CoreV1().Namespaces().Create(c.t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		c.t.Fatal(err)
	}
	return name
}

func ownedBy(apiVersion, kind, name string, uid types.UID, block bool) []metav1.OwnerReference {
	return []metav1.OwnerReference{{APIVersion: apiVersion, Kind: kind, Name: name, UID: uid, Controller: new(true), BlockOwnerDeletion: new(block)}}
}

func (c *cluster) configMap(ns, name string, owners []metav1.OwnerReference, finalizers ...string) *corev1.ConfigMap {
	c.t.Helper()
	cm, err := c.client.CoreV1().ConfigMaps(ns).Create(c.t.Context(), &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: name, OwnerReferences: owners, Finalizers: finalizers},
	}, metav1.CreateOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	return cm
}

func (c *cluster) deleteConfigMap(ns, name string, policy metav1.DeletionPropagation) {
	c.t.Helper()
	if err := c.client.CoreV1().ConfigMaps(ns).Delete(c.t.Context(), name, metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
		c.t.Fatal(err)
	}
}

// eventually polls cond (real time: it waits for informers and the
// collector's workers) for up to 10 s.
func (c *cluster) eventually(what string, cond func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			c.t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (c *cluster) configMapGone(ns, name string) func() bool {
	return func() bool {
		_, err := c.client.CoreV1().ConfigMaps(ns).Get(c.t.Context(), name, metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	}
}

func (c *cluster) getConfigMap(ns, name string) *corev1.ConfigMap {
	c.t.Helper()
	cm, err := c.client.CoreV1().ConfigMaps(ns).Get(c.t.Context(), name, metav1.GetOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	return cm
}

func unboundPod(name string, owners []metav1.OwnerReference) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "web"}, OwnerReferences: owners},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}},
	}
}

func replicaSet(name string) *appsv1.ReplicaSet {
	labels := map[string]string{"app": "web"}
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: new(int32(2)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}},
			},
		},
	}
}

func TestCollectsAgainstARealServer(t *testing.T) {
	t.Parallel()
	c := startCluster(t)

	t.Run("background deletes the dependents of a deleted owner", func(t *testing.T) {
		t.Parallel()
		ns := c.namespace("background")
		owner := c.configMap(ns, "owner", nil)
		for _, name := range []string{"a", "b"} {
			c.configMap(ns, name, ownedBy("v1", "ConfigMap", "owner", owner.UID, false))
		}
		c.deleteConfigMap(ns, "owner", metav1.DeletePropagationBackground)
		c.eventually("dependents deleted", func() bool { return c.configMapGone(ns, "a")() && c.configMapGone(ns, "b")() })
	})

	t.Run("foreground keeps the owner until blocking dependents are gone", func(t *testing.T) {
		t.Parallel()
		ns := c.namespace("foreground")
		owner := c.configMap(ns, "owner", nil)
		ref := ownedBy("v1", "ConfigMap", "owner", owner.UID, true)
		c.configMap(ns, "free", ref)
		c.configMap(ns, "held", ref, "example.com/hold")
		c.deleteConfigMap(ns, "owner", metav1.DeletePropagationForeground)
		c.eventually("free dependent deleted, held one terminating", func() bool {
			held, err := c.client.CoreV1().ConfigMaps(ns).Get(t.Context(), "held", metav1.GetOptions{})
			return c.configMapGone(ns, "free")() && err == nil && held.DeletionTimestamp != nil
		})
		if got := c.getConfigMap(ns, "owner"); got.DeletionTimestamp == nil {
			t.Fatalf("owner while a blocking dependent remains: %+v, want it terminating", got.ObjectMeta)
		}
		held := c.getConfigMap(ns, "held")
		held.Finalizers = nil
		if _, err := c.client.CoreV1().ConfigMaps(ns).Update(t.Context(), held, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		c.eventually("owner deleted after its dependents", c.configMapGone(ns, "owner"))
	})

	t.Run("orphan removes the owner from its dependents", func(t *testing.T) {
		t.Parallel()
		ns := c.namespace("orphan")
		owner := c.configMap(ns, "owner", nil)
		c.configMap(ns, "a", ownedBy("v1", "ConfigMap", "owner", owner.UID, true))
		c.deleteConfigMap(ns, "owner", metav1.DeletePropagationOrphan)
		c.eventually("owner deleted", c.configMapGone(ns, "owner"))
		if got := c.getConfigMap(ns, "a"); len(got.OwnerReferences) != 0 {
			t.Errorf("orphaned dependent's ownerReferences = %v, want none", got.OwnerReferences)
		}
	})

	t.Run("a new owner under the old name is not the owner", func(t *testing.T) {
		t.Parallel()
		ns := c.namespace("recreated")
		old := c.configMap(ns, "owner", nil)
		c.deleteConfigMap(ns, "owner", metav1.DeletePropagationBackground)
		c.configMap(ns, "owner", nil)
		c.configMap(ns, "a", ownedBy("v1", "ConfigMap", "owner", old.UID, false))
		c.eventually("dependent of the old owner deleted", c.configMapGone(ns, "a"))
		if got := c.getConfigMap(ns, "owner"); got.UID == old.UID {
			t.Fatal("the old owner is back")
		}
	})

	t.Run("a reference to an unknown kind is left alone", func(t *testing.T) {
		t.Parallel()
		ns := c.namespace("unknown")
		owner := c.configMap(ns, "owner", nil)
		c.configMap(ns, "widget-child", ownedBy("example.com/v1", "Widget", "w", "0b1c", false))
		c.configMap(ns, "a", ownedBy("v1", "ConfigMap", "owner", owner.UID, false))
		c.deleteConfigMap(ns, "owner", metav1.DeletePropagationBackground)
		c.eventually("known dependent deleted", c.configMapGone(ns, "a"))
		c.getConfigMap(ns, "widget-child")
	})

	t.Run("deleting a replicaset deletes its pods", func(t *testing.T) {
		t.Parallel()
		ns := c.namespace("replicaset")
		for _, policy := range []metav1.DeletionPropagation{metav1.DeletePropagationBackground, metav1.DeletePropagationForeground} {
			name := "rs-" + strings.ToLower(string(policy))
			rs, err := c.client.AppsV1().ReplicaSets(ns).Create(t.Context(), replicaSet(name), metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, pod := range []string{name + "-1", name + "-2"} {
				if _, err := c.client.CoreV1().Pods(ns).Create(t.Context(), unboundPod(pod, ownedBy("apps/v1", "ReplicaSet", name, rs.UID, true)), metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.client.AppsV1().ReplicaSets(ns).Delete(t.Context(), name, metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
				t.Fatal(err)
			}
			c.eventually(string(policy)+": pods and replicaset gone", func() bool {
				pods, err := c.client.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{})
				_, rerr := c.client.AppsV1().ReplicaSets(ns).Get(t.Context(), name, metav1.GetOptions{})
				return err == nil && len(pods.Items) == 0 && apierrors.IsNotFound(rerr)
			})
		}
	})
}
