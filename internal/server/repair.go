package server

import (
	"context"

	corev1 "k8s.io/api/core/v1"

	"github.com/evictd/evictd/internal/registry/service"
)

// startRepair runs the cluster-IP repair every
// service.DefaultRepairInterval on the server's clock, as every
// kube-apiserver runs its own: allocations that no service holds (a create
// cut by a crash, a release that failed) are freed after the grace period,
// whichever server made them. Shutdown stops it before the storage closes.
func (s *Server) startRepair(stores *stores) {
	services, err := stores.get(corev1.SchemeGroupVersion.WithResource("services"))
	if err != nil {
		s.cfg.Log.Error("cluster IP repair not started", "err", err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	s.repairStop = func() {
		cancel()
		<-done
	}
	go func() {
		defer close(done)
		stores.serviceIPs.RunRepair(ctx, services, service.DefaultRepairInterval, s.cfg.Clock)
	}()
}

// stopRepair stops the repair loop and waits for it.
func (s *Server) stopRepair() {
	if s.repairStop != nil {
		s.repairStop()
	}
}
