package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/pki"
	"github.com/evictd/evictd/internal/scheme"
	"github.com/evictd/evictd/internal/server"
	"github.com/evictd/evictd/internal/storage/cache"
	"github.com/evictd/evictd/internal/storage/etcd"
	"github.com/evictd/evictd/internal/storage/etcd/etcdtest"
)

// ipAddressKeys is where the cluster IPs' IPAddress objects are in etcd.
const ipAddressKeys = "/registry/networking.k8s.io/ipaddresses/"

// startOnEtcd starts a server without components on etcdClient, behind
// the watch cache as serve runs it.
func startOnEtcd(t *testing.T, etcdClient *clientv3.Client) *server.Server {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	st, err := etcd.New(t.Context(), etcd.Config{Client: etcdClient, CompactionInterval: -1, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := pki.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.Start(t.Context(), server.Config{Listen: "127.0.0.1:0", PKI: bundle, Storage: cache.New(st, cache.Options{Log: quiet}), Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopServer(t, srv) })
	return srv
}

// stopServer shuts srv down (a second call is a no-op).
func stopServer(t *testing.T, srv *server.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// unthrottled is a client of srv without client-go's default 5 QPS, so
// the creates are concurrent at the server.
func unthrottled(srv *server.Server) kubernetes.Interface {
	cfg := srv.RESTConfig()
	cfg.QPS = -1
	return kubernetes.NewForConfigOrDie(cfg)
}

func clusterIPService(name, ip string) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.ServiceSpec{
		ClusterIP: ip, Ports: []corev1.ServicePort{{Port: 80}}}}
}

// storedIPAddresses reads the IPAddress objects from etcd, as etcdctl
// would: address → the service its parentRef names.
func storedIPAddresses(t *testing.T, etcdClient *clientv3.Client) map[string]string {
	t.Helper()
	resp, err := etcdClient.Get(t.Context(), ipAddressKeys, clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, kv := range resp.Kvs {
		var ipa networkingv1.IPAddress
		if _, _, err := scheme.Protobuf.Decode(kv.Value, nil, &ipa); err != nil {
			t.Fatalf("%s: %v", kv.Key, err)
		}
		if ip := strings.TrimPrefix(string(kv.Key), ipAddressKeys); ip != ipa.Name || ipa.Spec.ParentRef == nil {
			t.Fatalf("%s holds %s with parent %+v", kv.Key, ipa.Name, ipa.Spec.ParentRef)
		}
		out[ipa.Name] = ipa.Spec.ParentRef.Namespace + "/" + ipa.Spec.ParentRef.Name
	}
	return out
}

// TestClusterIPsSharedBetweenServers runs two servers on one etcd and
// creates services through both at once: every cluster IP is distinct and
// is one IPAddress object in etcd naming its service; a deleted service's
// address can be taken again through the other server; a server started
// anew keeps every allocation.
func TestClusterIPsSharedBetweenServers(t *testing.T) {
	t.Parallel()
	etcdClient := etcdtest.Start(t)
	first, second := startOnEtcd(t, etcdClient), startOnEtcd(t, etcdClient)
	clients := []kubernetes.Interface{unthrottled(first), unthrottled(second)}
	ctx := t.Context()
	const each = 60
	var (
		mu   sync.Mutex
		held = map[string]string{} // cluster IP → service
		wg   sync.WaitGroup
	)
	for s, client := range clients {
		for i := range each {
			wg.Go(func() {
				name := fmt.Sprintf("svc-%d-%d", s, i)
				svc, err := client.CoreV1().Services("default").Create(ctx, clusterIPService(name, ""), metav1.CreateOptions{})
				if err != nil {
					t.Errorf("create %s: %v", name, err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if other, ok := held[svc.Spec.ClusterIP]; ok {
					t.Errorf("%s and %s both got %s", other, name, svc.Spec.ClusterIP)
				}
				held[svc.Spec.ClusterIP] = name
			})
		}
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	stored := storedIPAddresses(t, etcdClient)
	if len(stored) != len(held) {
		t.Errorf("%d IPAddress objects in etcd for %d services", len(stored), len(held))
	}
	for ip, name := range held {
		if stored[ip] != "default/"+name {
			t.Errorf("IPAddress %s names %q, want default/%s", ip, stored[ip], name)
		}
	}

	// A deleted service's address is free for the other server.
	victim, err := clients[0].CoreV1().Services("default").Get(ctx, "svc-0-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clients[1].CoreV1().Services("default").Create(ctx, clusterIPService("thief", victim.Spec.ClusterIP), metav1.CreateOptions{}); err == nil {
		t.Fatalf("%s was given twice", victim.Spec.ClusterIP)
	}
	if err := clients[0].CoreV1().Services("default").Delete(ctx, victim.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := clients[1].CoreV1().Services("default").Create(ctx, clusterIPService("heir", victim.Spec.ClusterIP), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create with the deleted service's address: %v", err)
	}
	held[victim.Spec.ClusterIP] = "heir"

	// A restart keeps every allocation: the new server neither frees an
	// address nor hands one out again.
	stopServer(t, first)
	third := startOnEtcd(t, etcdClient)
	before := storedIPAddresses(t, etcdClient)
	client := unthrottled(third)
	for ip := range held {
		if _, err := client.CoreV1().Services("default").Create(ctx, clusterIPService("late", ip), metav1.CreateOptions{}); err == nil {
			t.Fatalf("after the restart %s was given again", ip)
		}
		break
	}
	for i := range 5 {
		svc, err := client.CoreV1().Services("default").Create(ctx, clusterIPService(fmt.Sprint("after-", i), ""), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if other, ok := held[svc.Spec.ClusterIP]; ok {
			t.Errorf("after the restart %s got %s, %s's", svc.Name, svc.Spec.ClusterIP, other)
		}
	}
	after := storedIPAddresses(t, etcdClient)
	for ip, parent := range before {
		if after[ip] != parent {
			t.Errorf("after the restart %s is allocated to %q, was %q", ip, after[ip], parent)
		}
	}
}
