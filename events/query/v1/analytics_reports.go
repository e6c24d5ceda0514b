package v1

import "time"

// WeeklyReportSubject answers WeeklyReportRequest with WeeklyReport.
const WeeklyReportSubject = "ruche.query.analytics.reports.weekly"

// MaxNotable bounds WeeklyReport.Notable.
const MaxNotable = 5

// WeeklyReportRequest asks for one brand's report of one ISO week.
type WeeklyReportRequest struct {
	Brand string `json:"brand"`
	// Week is an ISO week, "2026-W47"; empty means the last complete week.
	Week string `json:"week,omitempty"`
	// TZ is the brand's IANA time zone: the week runs from Monday 00:00 to
	// the next Monday 00:00 there. Empty means UTC.
	TZ string `json:"tz,omitempty"`
	// Locale of the text and numbers: "fr" or "en" (default).
	Locale  string  `json:"locale,omitempty"`
	Network string  `json:"network,omitempty"`
	Voices  []Voice `json:"voices,omitempty"`
	// PDF asks for the PDF rendering too (WeeklyReport.PDF).
	PDF bool `json:"pdf,omitempty"`
}

// WeeklyReport is the rendered report and the figures it shows.
type WeeklyReport struct {
	Brand    string    `json:"brand"`
	Week     string    `json:"week"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Locale   string    `json:"locale"`
	KPIs     KPIs      `json:"kpis"`
	Previous KPIs      `json:"previous"`
	// Notable are the week's non-spam interactions of highest priority
	// (then reach), at most MaxNotable.
	Notable []Interaction `json:"notable"`
	// HTML is a self-contained page (inline style, no script).
	HTML string `json:"html"`
	// PDF is the same report as a PDF document (A4), when asked for.
	PDF []byte `json:"pdf,omitempty"`
}
