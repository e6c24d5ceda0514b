package report

import (
	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/services/analytics/inbox"
	"github.com/ruche-project/ruche/services/analytics/kpi"
)

// Builder computes and renders the weekly report from the dashboard's
// figures and the inbox's notable interactions.
type Builder struct {
	db    *clickhouse.DB
	kpis  kpi.Reader
	inbox inbox.Reader
}

// NewBuilder reads the notable interactions from db, the figures from kpis
// and the interactions themselves from in.
func NewBuilder(db *clickhouse.DB, kpis kpi.Reader, in inbox.Reader) Builder {
	return Builder{db: db, kpis: kpis, inbox: in}
}
