package analytics

import (
	"context"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/pkg/obs"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/services/analytics/auditlog"
	"github.com/ruche-project/ruche/services/analytics/besttime"
	"github.com/ruche-project/ruche/services/analytics/contest"
	"github.com/ruche-project/ruche/services/analytics/inbox"
	"github.com/ruche-project/ruche/services/analytics/kpi"
	"github.com/ruche-project/ruche/services/analytics/person"
	"github.com/ruche-project/ruche/services/analytics/report"
	"github.com/ruche-project/ruche/services/analytics/review"
	"github.com/ruche-project/ruche/services/analytics/segment"
)

// ServiceVersion is the micro service's version, shown in discovery.
const ServiceVersion = "1.0.0"

// Application is every read model of analytics, wired once (newApplication);
// the endpoint table (queries.start) maps each endpoint to one of them.
type Application struct {
	Inbox    inbox.Reader
	KPIs     kpi.Reader
	Segments segment.Reader
	Contests contest.Reader
	Reports  report.Builder
	// BestTimes suggests when to post (scheduling's queues ask it).
	BestTimes besttime.Reader
	People    person.Reader
	Drafts    review.Reader
	Audit     auditlog.Reader
	// Archive keeps the scheduled reports' settings, records and files
	// (opened by Run: it lives in JetStream).
	Archive *report.Store
}

// newApplication wires the read models over db.
// erasures names the erasure requests carried out for a subject key.
func newApplication(db *clickhouse.DB, erasures func(key string) []string) Application {
	in, kpis := inbox.NewReader(db), kpi.NewReader(db)
	return Application{Inbox: in, KPIs: kpis, Segments: segment.NewReader(db), Contests: contest.NewReader(db),
		Reports: report.NewBuilder(db, kpis, in), BestTimes: besttime.NewReader(db),
		People: person.NewReader(db, in, erasures), Drafts: review.NewReader(db), Audit: auditlog.NewReader(db)}
}

// queries serves the query/v1 endpoints of analytics on the request/reply
// layer (discoverable, with stats); replicas share a queue group.
type queries struct {
	cfg Config
	app Application
	log *slog.Logger
	now func() time.Time
}

// start serves every endpoint of analytics on nc: the endpoint table.
func (q *queries) start(nc *nats.Conn) (*rpc.Server, error) {
	srv, err := rpc.NewServer(nc, query.AnalyticsService, ServiceVersion,
		"Ruche analytics: inbox and KPI queries over ClickHouse", q.log)
	if err != nil {
		return nil, err
	}
	app := &q.app
	for _, err := range []error{
		handle(q, srv, query.ListInteractions, app.Inbox.List),
		handle(q, srv, query.GetInteraction, app.Inbox.Get),
		handle(q, srv, query.GetKPIs, atNow(q, app.KPIs.Get)),
		handle(q, srv, query.GetPostPerformance, app.KPIs.PostPerformance),
		handle(q, srv, query.ListSegment, atNow(q, app.Segments.Get)),
		handle(q, srv, query.DrawContest, atNow(q, app.Contests.Draw)),
		handle(q, srv, query.GetContest, app.Contests.Get),
		handle(q, srv, query.VerifyContest, app.Contests.Verify),
		handle(q, srv, query.ExportPerson, app.People.Export),
		handle(q, srv, query.GetDraftMetrics, app.Drafts.Metrics),
		handle(q, srv, query.SearchAudit, app.Audit.Search),
		handle(q, srv, query.GetWeeklyReport, atNow(q, app.Reports.Weekly)),
		handle(q, srv, query.GetBestTimes, atNow(q, app.BestTimes.Get)),
		handle(q, srv, query.GetReportSettings, func(ctx context.Context, in query.GetReportSettingsRequest) (query.ReportSettingsResponse, error) {
			return app.Archive.Settings(obs.WithBrand(ctx, in.Brand), in.Brand, q.now())
		}),
		handle(q, srv, query.PutReportSettings, func(ctx context.Context, in query.PutReportSettingsRequest) (query.ReportSettingsResponse, error) {
			return app.Archive.PutSettings(obs.WithBrand(ctx, in.Brand), in, q.now())
		}),
		handle(q, srv, query.ListStoredReports, func(ctx context.Context, in query.ListStoredReportsRequest) (query.StoredReports, error) {
			return app.Archive.List(obs.WithBrand(ctx, in.Brand), in.Brand)
		}),
		handle(q, srv, query.GetStoredReport, func(ctx context.Context, in query.GetStoredReportRequest) (query.StoredReportFile, error) {
			return app.Archive.File(obs.WithBrand(ctx, in.Brand), in)
		}),
	} {
		if err != nil {
			srv.Stop()
			return nil, err
		}
	}
	return srv, nil
}

// handle serves ep with fn, the ClickHouse work bounded by the
// query_timeout setting within the endpoint's budget. Each read model puts
// the brand in the context (and so in every log line) once it is checked.
func handle[Req, Resp any](q *queries, srv *rpc.Server, ep query.Endpoint[Req, Resp], fn func(context.Context, Req) (Resp, error)) error {
	return rpc.Handle(srv, ep, func(ctx context.Context, in Req) (Resp, error) {
		ctx, cancel := context.WithTimeout(ctx, q.cfg.QueryTimeout)
		defer cancel()
		return fn(ctx, in)
	})
}

// atNow gives fn the service's clock.
func atNow[Req, Resp any](q *queries, fn func(context.Context, Req, time.Time) (Resp, error)) func(context.Context, Req) (Resp, error) {
	return func(ctx context.Context, in Req) (Resp, error) { return fn(ctx, in, q.now()) }
}
