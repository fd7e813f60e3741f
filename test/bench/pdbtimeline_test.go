package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// pdbTimeline records every status change of every PDB with its time
// since start, so a verbose benchmark run can show where a drain waited:
// on the drain, or on the disruption controller giving the budget back.
type pdbTimeline struct {
	mu    sync.Mutex
	start time.Time
	lines map[string][]string
}

// watchPDBTimeline records until ctx ends.
func watchPDBTimeline(ctx context.Context, client kubernetes.Interface) (*pdbTimeline, error) {
	tl := &pdbTimeline{start: time.Now(), lines: map[string][]string{}}
	f := informers.NewSharedInformerFactory(client, 0)
	inf := f.Policy().V1().PodDisruptionBudgets().Informer()
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{UpdateFunc: func(_, o any) {
		p, ok := o.(*policyv1.PodDisruptionBudget)
		if !ok {
			return
		}
		tl.mu.Lock()
		defer tl.mu.Unlock()
		tl.lines[p.Name] = append(tl.lines[p.Name], fmt.Sprintf("%.2f s: rv %s, allowed %d, healthy %d of %d, disruptedPods %d",
			time.Since(tl.start).Seconds(), p.ResourceVersion, p.Status.DisruptionsAllowed, p.Status.CurrentHealthy,
			p.Status.DesiredHealthy, len(p.Status.DisruptedPods)))
	}})
	if err != nil {
		return nil, err
	}
	f.Start(ctx.Done())
	go func() { <-ctx.Done(); f.Shutdown() }()
	f.WaitForCacheSync(ctx.Done())
	return tl, nil
}

// restart counts times from now.
func (tl *pdbTimeline) restart() {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.start = time.Now()
}

// of returns the recorded lines of the PDB name.
func (tl *pdbTimeline) of(name string) []string {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return tl.lines[name]
}
