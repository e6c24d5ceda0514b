package kpi

import (
	"context"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/pkg/obs"
)

// Reader reads the dashboard's figures: the rollup's fresh days and the
// base tables for the rest.
type Reader struct{ db *clickhouse.DB }

// NewReader reads from db.
func NewReader(db *clickhouse.DB) Reader { return Reader{db: db} }

// Get answers the dashboard of the request (its period checked against
// now).
func (s Reader) Get(ctx context.Context, in query.KPIsRequest, now time.Time) (query.KPIs, error) {
	p, err := Parse(in, now)
	if err != nil {
		return query.KPIs{}, err
	}
	return s.KPIs(obs.WithBrand(ctx, p.Brand), p)
}
