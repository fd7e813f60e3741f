package disruption

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"k8s.io/client-go/rest"
	clocktesting "k8s.io/utils/clock/testing"
)

func TestRunWithConfig(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		name    string
		cfg     *rest.Config
		wantErr bool
	}{
		// Nothing listens there: the informers never sync, and Run must
		// still return once its context has ended.
		{name: "returns when its context ends", cfg: &rest.Config{Host: "http://127.0.0.1:1"}},
		{name: "rejects an unusable config", cfg: &rest.Config{Host: "http://127.0.0.1:1", QPS: 1, Burst: 0}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			err := Run(ctx, tt.cfg, clocktesting.NewFakeClock(t0), log)
			if (err != nil) != tt.wantErr {
				t.Errorf("Run() = %v, want error: %v", err, tt.wantErr)
			}
		})
	}
}
