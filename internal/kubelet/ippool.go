package kubelet

import (
	"fmt"
	"net/netip"
)

// ipPool hands out the pod addresses of one node's /24 (.1 to .254) and
// takes them back when a pod is forgotten, as kwok does. The node's mutex
// guards it.
type ipPool struct {
	prefix netip.Prefix
	used   [256]bool
	next   int // where the search for a free address starts, so addresses rotate
}

func newIPPool(prefix netip.Prefix) *ipPool { return &ipPool{prefix: prefix, next: 1} }

// take returns want when it is a free address of the pool, else the next
// free one.
func (p *ipPool) take(want string) (string, error) {
	if a, err := netip.ParseAddr(want); err == nil && p.prefix.Contains(a) {
		if i := int(a.As4()[3]); i >= 1 && i <= 254 && !p.used[i] {
			p.used[i] = true
			return want, nil
		}
	}
	for range 254 {
		i := p.next
		p.next = p.next%254 + 1
		if !p.used[i] {
			p.used[i] = true
			return p.addr(i).String(), nil
		}
	}
	return "", fmt.Errorf("no free pod address in %s", p.prefix)
}

func (p *ipPool) release(ip string) {
	if a, err := netip.ParseAddr(ip); err == nil && p.prefix.Contains(a) {
		p.used[a.As4()[3]] = false
	}
}

func (p *ipPool) addr(i int) netip.Addr {
	b := p.prefix.Addr().As4()
	b[3] = byte(i)
	return netip.AddrFrom4(b)
}
