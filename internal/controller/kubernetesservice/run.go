package kubernetesservice

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	utilnet "k8s.io/apimachinery/pkg/util/net"

	"github.com/evictd/evictd/internal/component"
)

// Name is the component's name in --controllers.
const Name = "kubernetes-service"

// Component keeps default/kubernetes pointing at host:port, the API
// server's address and port. A loopback or unspecified host (a server
// listening on 127.0.0.1 or 0.0.0.0) is replaced by the machine's primary
// address, as kube-apiserver defaults --advertise-address: Endpoints may
// not hold loopback addresses.
func Component(host string, port int32) component.Component {
	return component.Component{Name: Name, Run: func(ctx context.Context, cc *component.Context) error {
		addr, err := AdvertiseAddress(host)
		if err != nil {
			return err
		}
		c, err := New(cc.Client, cc.Informers, addr, port, cc.Clock, Options{Log: cc.Log})
		if err != nil {
			return err
		}
		cc.StartInformers()
		c.Run(ctx)
		return nil
	}}
}

// AdvertiseAddress is host if it is an IP usable in Endpoints, else the
// address of the machine's default-route interface.
func AdvertiseAddress(host string) (netip.Addr, error) {
	addr, err := netip.ParseAddr(host)
	if err == nil && !addr.IsLoopback() && !addr.IsUnspecified() {
		return addr.Unmap(), nil
	}
	ip, err := utilnet.ResolveBindAddress(net.IPv4zero)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("advertise address for %q: %w", host, err)
	}
	chosen, ok := netip.AddrFromSlice(ip)
	if !ok || chosen.IsLoopback() {
		return netip.Addr{}, fmt.Errorf("advertise address for %q: no usable interface address", host)
	}
	return chosen.Unmap(), nil
}
