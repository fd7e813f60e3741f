package memory

import (
	"context"
	"fmt"
	"strings"

	"github.com/evictd/evictd/internal/storage"
)

// List returns the keys under prefix in key order, as they were at
// opts.Revision (0: now). Callers pass prefixes that end in '/', so that
// listing "/pods/a/" cannot match "/pods/ab/x"; List itself matches plain
// string prefixes.
//
// Finding the page costs one B-tree seek plus the page. Remaining is exact
// and usually known without walking the rest of the prefix (see count.go).
func (s *Store) List(ctx context.Context, prefix string, opts storage.ListOptions) (storage.ListResult, error) {
	if err := ctx.Err(); err != nil {
		return storage.ListResult{}, err
	}
	if opts.Limit < 0 {
		return storage.ListResult{}, fmt.Errorf("invalid limit %d", opts.Limit)
	}
	page, res, err := s.list(prefix, opts)
	if err != nil {
		return storage.ListResult{}, err
	}
	// Entries are immutable: copy after releasing the lock.
	res.KVs = copyPage(page)
	return res, nil
}

// list collects the entries of a page; res lacks only its KVs.
func (s *Store) list(prefix string, opts storage.ListOptions) ([]*entry, storage.ListResult, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rev, err := s.readable(opts.Revision)
	if err != nil {
		return nil, storage.ListResult{}, err
	}
	res := storage.ListResult{Revision: rev}
	start := max(prefix, opts.StartKey)
	total, known := s.known(prefix, rev, start)
	var page []*entry
	if opts.Limit > 0 {
		page = make([]*entry, 0, min(opts.Limit, 1024)) // cap: a huge Limit must not allocate up front
	}
	var walked int64 // keys counted past the page, when total is unknown
	s.keys.AscendGreaterOrEqual(item{key: start}, func(it item) bool {
		switch {
		case !strings.HasPrefix(it.key, prefix):
			return false
		case opts.Limit == 0 || int64(len(page)) < opts.Limit:
			if e := it.h.visible(rev); e != nil {
				page = append(page, e)
			}
		case known:
			return false
		case it.h.exists(rev):
			walked++
		}
		return true
	})
	if !known {
		total = int64(len(page)) + walked
	}
	if res.Remaining = total - int64(len(page)); res.Remaining > 0 && len(page) > 0 {
		res.More = true
		next := page[len(page)-1].key + "\x00"
		s.pages.put(pageKey{prefix: prefix, rev: rev, start: next}, res.Remaining)
	}
	return page, res, nil
}

// copyPage copies a page out to the caller. All values share one
// allocation, each sliced with its capacity capped so that appending to one
// value cannot overwrite the next; holding any one value keeps the page's
// buffer alive.
func copyPage(page []*entry) []storage.KeyValue {
	size := 0
	for _, e := range page {
		size += len(e.value)
	}
	buf := make([]byte, 0, size)
	kvs := make([]storage.KeyValue, len(page))
	for i, e := range page {
		start := len(buf)
		buf = append(buf, e.value...)
		kvs[i] = e.keyValue(buf[start:len(buf):len(buf)])
	}
	return kvs
}
