package openapi_test

import (
	"testing"

	"github.com/evictd/evictd/internal/openapi"
)

// BenchmarkNew measures building every document for the served resources.
func BenchmarkNew(b *testing.B) {
	resources := served()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := openapi.New("v1.33.0", resources); err != nil {
			b.Fatal(err)
		}
	}
}
