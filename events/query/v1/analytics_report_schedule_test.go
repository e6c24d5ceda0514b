package v1_test

import (
	"testing"
	"time"

	"github.com/ruche-project/ruche/events/eventstest"
	v1 "github.com/ruche-project/ruche/events/query/v1"
)

// The scheduled reports' contracts, as the gateway and analytics exchange
// them.
func TestReportScheduleContracts(t *testing.T) {
	settings := v1.ReportSettings{Enabled: true, Weekday: "monday", Hour: 8, TZ: "Europe/Paris", Locale: "fr",
		Formats: []string{v1.ReportHTML, v1.ReportPDF}, Voices: []v1.Voice{{Name: "Café Lumière", Keywords: []string{"café lumière"}}}}
	saved := time.Date(2026, 11, 20, 9, 45, 0, 0, time.UTC)
	next := time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)
	info := v1.StoredReportInfo{Format: v1.ReportPDF, ContentType: "application/pdf", Size: 9,
		SHA256: "0b3a3d3c9b2f3ff1e3e5b1d1e6c7a8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5"}
	for name, v := range map[string]any{
		"query.analytics.report_settings.put.json": v1.PutReportSettingsRequest{Brand: "cafe-lumiere", Revision: 3, Settings: settings, UpdatedBy: "key-1a2b3c4d"},
		"query.analytics.report_settings.json": v1.ReportSettingsResponse{Brand: "cafe-lumiere", Revision: 4, Settings: settings,
			UpdatedBy: "key-1a2b3c4d", UpdatedAt: &saved, NextRun: &next},
		"query.analytics.stored_reports.json": v1.StoredReports{Brand: "cafe-lumiere", Reports: []v1.StoredReport{{
			Brand: "cafe-lumiere", Week: "2026-W47", From: time.Date(2026, 11, 15, 23, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 22, 23, 0, 0, 0, time.UTC),
			TZ: "Europe/Paris", Locale: "fr", State: v1.StoredReportDone, Attempts: 1, ClaimedBy: "ruche-7f9c-1a2b3c4d",
			ClaimExpires: next.Add(10 * time.Minute), GeneratedAt: next, Files: []v1.StoredReportInfo{info}}}},
		"query.analytics.stored_report.get.json": v1.GetStoredReportRequest{Brand: "cafe-lumiere", Week: "2026-W47", Format: v1.ReportPDF},
		"query.analytics.stored_report.json":     v1.StoredReportFile{Brand: "cafe-lumiere", Week: "2026-W47", StoredReportInfo: info, Content: []byte("%PDF-1.3\n")},
		"query.analytics.weekly_report.get.json": v1.WeeklyReportRequest{Brand: "cafe-lumiere", Week: "2026-W47", TZ: "Europe/Paris", Locale: "fr", PDF: true},
	} {
		t.Run(name, func(t *testing.T) { eventstest.Golden(t, name, v) })
	}
}
