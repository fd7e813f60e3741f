package store

import (
	"strconv"
	"time"
)

func secs(n int64) time.Duration { return time.Duration(n) * time.Second }

// parseRV reads a resourceVersion this store wrote.
func parseRV(rv string) (int64, error) {
	if rv == "" {
		return 0, nil
	}
	return strconv.ParseInt(rv, 10, 64)
}

func ptr[T any](v T) *T { return &v }
