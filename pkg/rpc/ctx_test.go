package rpc_test

import (
	"context"

	"github.com/ruche-project/ruche/pkg/obs"
)

func withCorrelation(ctx context.Context, id string) context.Context {
	return obs.WithCorrelationID(ctx, id)
}

func correlation(ctx context.Context) string { return obs.CorrelationID(ctx) }
