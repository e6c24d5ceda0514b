package analytics

import (
	"context"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/obs"
)

// The endpoints of the scheduled reports: settings, records and files.

func (q *queries) getReportSettings(ctx context.Context, in query.GetReportSettingsRequest) (query.ReportSettingsResponse, error) {
	return q.reports.getSettings(obs.WithBrand(ctx, in.Brand), in.Brand, q.now())
}

func (q *queries) putReportSettings(ctx context.Context, in query.PutReportSettingsRequest) (query.ReportSettingsResponse, error) {
	return q.reports.putSettings(obs.WithBrand(ctx, in.Brand), in, q.now())
}

func (q *queries) listStoredReports(ctx context.Context, in query.ListStoredReportsRequest) (query.StoredReports, error) {
	return q.reports.list(obs.WithBrand(ctx, in.Brand), in.Brand)
}

func (q *queries) getStoredReport(ctx context.Context, in query.GetStoredReportRequest) (query.StoredReportFile, error) {
	return q.reports.file(obs.WithBrand(ctx, in.Brand), in)
}
