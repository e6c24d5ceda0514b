package analytics

import (
	"context"

	"github.com/nats-io/nats.go/micro"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/obs"
)

// The endpoints of the scheduled reports: settings, records and files.

func (q *queries) getReportSettings(req micro.Request) {
	answer(q, req, "GetReportSettingsRequest", func(ctx context.Context, in query.GetReportSettingsRequest) (any, error) {
		return q.reports.getSettings(obs.WithBrand(ctx, in.Brand), in.Brand, q.now())
	})
}

func (q *queries) putReportSettings(req micro.Request) {
	answer(q, req, "PutReportSettingsRequest", func(ctx context.Context, in query.PutReportSettingsRequest) (any, error) {
		return q.reports.putSettings(obs.WithBrand(ctx, in.Brand), in, q.now())
	})
}

func (q *queries) listStoredReports(req micro.Request) {
	answer(q, req, "ListStoredReportsRequest", func(ctx context.Context, in query.ListStoredReportsRequest) (any, error) {
		return q.reports.list(obs.WithBrand(ctx, in.Brand), in.Brand)
	})
}

func (q *queries) getStoredReport(req micro.Request) {
	answer(q, req, "GetStoredReportRequest", func(ctx context.Context, in query.GetStoredReportRequest) (any, error) {
		return q.reports.file(obs.WithBrand(ctx, in.Brand), in)
	})
}
