package service

import (
	"errors"
	"sync"
	"testing"
)

func TestNewIPAllocator(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cidr    string
		wantErr bool
	}{
		{name: "default", cidr: DefaultServiceCIDR},
		{name: "unmasked", cidr: "10.96.3.4/24"},
		{name: "smallest", cidr: "10.0.0.0/30"},
		{name: "too small", cidr: "10.0.0.0/31", wantErr: true},
		{name: "ipv6", cidr: "fd00::/108", wantErr: true},
		{name: "garbage", cidr: "10.96.0.0", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := NewIPAllocator(tt.cidr); (err != nil) != tt.wantErr {
				t.Errorf("NewIPAllocator(%q) error = %v, wantErr %v", tt.cidr, err, tt.wantErr)
			}
		})
	}
}

func TestAllocateOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cidr string
		want []string
	}{
		// A /12 has a 256-address static part: dynamic addresses start above it.
		{name: "default range", cidr: DefaultServiceCIDR, want: []string{"10.96.1.1", "10.96.1.2", "10.96.1.3"}},
		// A /28 has no static part; .1 is still kept for the kubernetes service.
		{name: "tiny range", cidr: "10.0.0.0/28", want: []string{"10.0.0.2", "10.0.0.3"}},
		// A /30 has two usable addresses, one reserved.
		{name: "smallest range", cidr: "10.0.0.0/30", want: []string{"10.0.0.2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := mustAllocator(t, tt.cidr)
			for _, want := range tt.want {
				if got, err := a.Allocate(); err != nil || got != want {
					t.Errorf("Allocate() = %q, %v, want %q", got, err, want)
				}
			}
		})
	}
}

func TestAllocateUntilFull(t *testing.T) {
	t.Parallel()
	a := mustAllocator(t, "10.0.0.0/28") // 14 usable, .1 reserved
	seen := map[string]bool{}
	for range 13 {
		ip, err := a.Allocate()
		if err != nil || seen[ip] || ip == "10.0.0.1" {
			t.Fatalf("Allocate() = %q, %v (seen %v)", ip, err, seen)
		}
		seen[ip] = true
	}
	if _, err := a.Allocate(); !errors.Is(err, ErrFull) {
		t.Fatalf("Allocate on a full range = %v, want ErrFull", err)
	}
	a.Release("10.0.0.7")
	if ip, err := a.Allocate(); err != nil || ip != "10.0.0.7" {
		t.Errorf("Allocate after Release = %q, %v, want 10.0.0.7", ip, err)
	}
	if err := a.Reserve("10.0.0.1"); err != nil {
		t.Errorf("the reserved address must be available to Reserve: %v", err)
	}
}

func TestReserve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ip      string
		wantErr error
		wantMsg string
	}{
		{name: "kubernetes service", ip: "10.96.0.1"},
		{name: "static part", ip: "10.96.0.10"},
		{name: "last usable", ip: "10.111.255.254"},
		{name: "taken", ip: "10.96.0.20", wantErr: ErrAllocated, wantMsg: "provided IP is already allocated"},
		{name: "network address", ip: "10.96.0.0", wantErr: ErrNotInRange},
		{name: "broadcast", ip: "10.111.255.255", wantErr: ErrNotInRange},
		{
			name: "outside", ip: "10.0.0.1", wantErr: ErrNotInRange,
			wantMsg: "the provided IP (10.0.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12",
		},
		{name: "malformed", ip: "10.96.0", wantErr: ErrNotInRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := mustAllocator(t, DefaultServiceCIDR)
			if err := a.Reserve("10.96.0.20"); err != nil {
				t.Fatal(err)
			}
			err := a.Reserve(tt.ip)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("Reserve(%q) = %v, want %v", tt.ip, err, tt.wantErr)
			}
			if tt.wantMsg != "" && err.Error() != tt.wantMsg {
				t.Errorf("message = %q, want %q", err, tt.wantMsg)
			}
		})
	}
}

func TestReleaseIgnoresForeignAddresses(t *testing.T) {
	t.Parallel()
	a := mustAllocator(t, DefaultServiceCIDR)
	for _, ip := range []string{"", "None", "10.0.0.1", "fd00::1", "10.96.5.5"} {
		a.Release(ip)
	}
	if ip, err := a.Allocate(); err != nil || ip != "10.96.1.1" {
		t.Errorf("Allocate() = %q, %v", ip, err)
	}
}

func TestAllocateConcurrently(t *testing.T) {
	t.Parallel()
	a := mustAllocator(t, "10.0.0.0/24")
	const workers, each = 8, 25
	var (
		mu   sync.Mutex
		seen = map[string]bool{}
		wg   sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for range each {
				ip, err := a.Allocate()
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[ip] {
					t.Errorf("%s handed out twice", ip)
				}
				seen[ip] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != workers*each {
		t.Errorf("allocated %d addresses, want %d", len(seen), workers*each)
	}
}

func mustAllocator(t *testing.T, cidr string) *Allocator {
	t.Helper()
	a, err := NewIPAllocator(cidr)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
