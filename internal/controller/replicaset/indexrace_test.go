package replicaset

import (
	"fmt"
	"sync"
	"testing"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
)

// TestIndexAddedBesideOtherComponents: every component adds its indexes
// to the one shared pod informer at start-up, all at the same time (evictd
// serve and evictd controllers start them in parallel). Adding ours, twice,
// while others add theirs must neither race (-race) nor fail.
func TestIndexAddedBesideOtherComponents(t *testing.T) {
	t.Parallel()
	informer := informers.NewSharedInformerFactory(fake.NewClientset(), 0).Core().V1().Pods().Informer()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if err := informer.AddIndexers(cache.Indexers{fmt.Sprintf("other-%d", i): cache.MetaNamespaceIndexFunc}); err != nil {
				t.Error(err)
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			if err := addControllerUIDIndex(informer); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if _, err := informer.GetIndexer().ByIndex(controllerUIDIndex, "x"); err != nil {
		t.Errorf("index %s: %v", controllerUIDIndex, err)
	}
}
