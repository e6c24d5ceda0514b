package analytics

import (
	"context"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/obs"
	"github.com/ruche-project/ruche/pkg/rpc"
)

// ServiceVersion is the micro service's version, shown in discovery.
const ServiceVersion = "1.0.0"

// queries serves the query/v1 endpoints of analytics on the request/reply
// layer (discoverable, with stats); replicas share a queue group.
type queries struct {
	cfg   Config
	store store
	// reports keeps the scheduled reports' settings, records and files.
	reports *reportStore
	log     *slog.Logger
	now     func() time.Time
}

// start serves every endpoint of analytics on nc.
func (q *queries) start(nc *nats.Conn) (*rpc.Server, error) {
	srv, err := rpc.NewServer(nc, query.AnalyticsService, ServiceVersion,
		"Ruche analytics: inbox and KPI queries over ClickHouse", q.log)
	if err != nil {
		return nil, err
	}
	for _, err := range []error{
		handle(q, srv, query.ListInteractions, q.listInteractions),
		handle(q, srv, query.GetInteraction, q.getInteraction),
		handle(q, srv, query.GetKPIs, q.kpis),
		handle(q, srv, query.ListSegment, q.segment),
		handle(q, srv, query.DrawContest, q.drawContest),
		handle(q, srv, query.GetContest, q.getContest),
		handle(q, srv, query.VerifyContest, q.verifyContest),
		handle(q, srv, query.GetWeeklyReport, q.weeklyReport),
		handle(q, srv, query.GetReportSettings, q.getReportSettings),
		handle(q, srv, query.PutReportSettings, q.putReportSettings),
		handle(q, srv, query.ListStoredReports, q.listStoredReports),
		handle(q, srv, query.GetStoredReport, q.getStoredReport),
	} {
		if err != nil {
			srv.Stop()
			return nil, err
		}
	}
	return srv, nil
}

// handle serves ep with fn, the ClickHouse work bounded by the
// query_timeout setting within the endpoint's budget.
func handle[Req, Resp any](q *queries, srv *rpc.Server, ep query.Endpoint[Req, Resp], fn func(context.Context, Req) (Resp, error)) error {
	return rpc.Handle(srv, ep, func(ctx context.Context, in Req) (Resp, error) {
		ctx, cancel := context.WithTimeout(ctx, q.cfg.QueryTimeout)
		defer cancel()
		return fn(ctx, in)
	})
}

func (q *queries) listInteractions(ctx context.Context, in query.SearchInteractionsRequest) (query.ListInteractionsResponse, error) {
	p, err := parseList(in.ListInteractionsRequest)
	if err != nil {
		return query.ListInteractionsResponse{}, err
	}
	if p.filter, err = parseFilter(p.brand, in.InteractionFilter); err != nil {
		return query.ListInteractionsResponse{}, err
	}
	return q.store.listInteractions(obs.WithBrand(ctx, p.brand), p)
}
