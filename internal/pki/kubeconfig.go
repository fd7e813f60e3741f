package pki

import (
	"fmt"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// ContextName names the cluster, user and context in written kubeconfigs.
const ContextName = "evictd"

// Kubeconfig returns a kubeconfig for server (https://host:port) that
// trusts ClientCA (none: the client's own trust store) and sends the
// token. A given certificate that does not cover server's host is
// verified for its own first name (tls-server-name).
func (b *Bundle) Kubeconfig(server string) ([]byte, error) {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[ContextName] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: b.ClientCA(), TLSServerName: b.serverName(server)}
	cfg.AuthInfos[ContextName] = &clientcmdapi.AuthInfo{Token: b.Token}
	cfg.Contexts[ContextName] = &clientcmdapi.Context{Cluster: ContextName, AuthInfo: ContextName, Namespace: "default"}
	cfg.CurrentContext = ContextName
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("encode kubeconfig: %w", err)
	}
	return data, nil
}

// RESTConfig is the client-go configuration for server, as the
// kubeconfig's but for one thing: where the kubeconfig leaves the CA to
// the client's own trust store, it trusts the served certificate itself
// (a client in the same process, or a test, knows which it is).
func (b *Bundle) RESTConfig(server string) *rest.Config {
	return &rest.Config{
		Host:            server,
		BearerToken:     b.Token,
		TLSClientConfig: rest.TLSClientConfig{CAData: b.pinnedCA(), ServerName: b.serverName(server)},
	}
}
