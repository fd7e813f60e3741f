package server

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/registry/store"
	"github.com/evictd/evictd/internal/storage"
)

// storageCountTimeout bounds one scrape's counting of stored objects.
const storageCountTimeout = 5 * time.Second

// storageObjects is apiserver_storage_objects: the number of stored
// objects of each resource, counted in storage on every scrape (a
// one-key list whose Remaining is the rest), where kube-apiserver reads
// etcd's count once a minute. Resources that share another's storage
// (events.k8s.io events) are counted once, under the owner, as upstream.
type storageObjects struct {
	storage   storage.Interface
	resources []*registry.Resource
	desc      *prometheus.Desc
}

func newStorageObjects(st storage.Interface, resources []*registry.Resource) *storageObjects {
	var own []*registry.Resource
	for _, res := range resources {
		if res.StorageResource == nil {
			own = append(own, res)
		}
	}
	return &storageObjects{storage: st, resources: own, desc: prometheus.NewDesc("apiserver_storage_objects",
		"Number of stored objects at the time of last check split by kind.", []string{"resource"}, nil)}
}

// Describe sends the one metric's description.
func (s *storageObjects) Describe(ch chan<- *prometheus.Desc) { ch <- s.desc }

// Collect counts each resource's keys; one that cannot be counted is
// left out of this scrape (and reported as the scrape's error).
func (s *storageObjects) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), storageCountTimeout)
	defer cancel()
	for _, res := range s.resources {
		n, err := s.count(ctx, store.Prefix(res))
		if err != nil {
			ch <- prometheus.NewInvalidMetric(s.desc, err)
			continue
		}
		ch <- prometheus.MustNewConstMetric(s.desc, prometheus.GaugeValue, float64(n), res.GroupResource().String())
	}
}

func (s *storageObjects) count(ctx context.Context, prefix string) (int64, error) {
	res, err := s.storage.List(ctx, prefix, storage.ListOptions{Limit: 1})
	if err != nil {
		return 0, err
	}
	return int64(len(res.KVs)) + res.Remaining, nil
}
