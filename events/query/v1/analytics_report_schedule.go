package v1

import "time"

// Subjects of analytics' scheduled weekly reports: each brand's schedule
// settings, and the reports generated on it, kept in an object store.
const (
	// GetReportSettingsSubject answers GetReportSettingsRequest with
	// ReportSettingsResponse (the defaults, revision 0, when none is saved).
	GetReportSettingsSubject = "ruche.query.analytics.reports.settings.get"
	// PutReportSettingsSubject answers PutReportSettingsRequest with
	// ReportSettingsResponse; CodeBadRequest names the wrong field in the
	// error's data ({"field": "hour"}); CodeConflict when the settings
	// changed since Revision.
	PutReportSettingsSubject = "ruche.command.analytics.reports.settings.put"
	// ListStoredReportsSubject answers ListStoredReportsRequest with
	// StoredReports.
	ListStoredReportsSubject = "ruche.query.analytics.reports.stored.list"
	// GetStoredReportSubject answers GetStoredReportRequest with
	// StoredReportFile, or CodeNotFound.
	GetStoredReportSubject = "ruche.query.analytics.reports.stored.get"
)

// Report formats: the HTML page and its PDF rendering.
const (
	ReportHTML = "html"
	ReportPDF  = "pdf"
)

// Weekdays of ReportSettings.Weekday, Monday first.
var ReportWeekdays = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

// ReportSettings say when a brand's weekly report is generated and how.
// Each week, once Weekday at Hour:00 in TZ has passed, the report of the
// previous full week (Monday to Sunday in TZ) is generated once and stored
// in every format of Formats.
type ReportSettings struct {
	Enabled bool `json:"enabled"`
	// Weekday is one of ReportWeekdays.
	Weekday string `json:"weekday"`
	// Hour is 0 to 23, in TZ.
	Hour int `json:"hour"`
	// TZ is the brand's IANA time zone ("Europe/Paris").
	TZ string `json:"tz"`
	// Locale of the text and numbers: "fr" or "en".
	Locale string `json:"locale"`
	// Formats are ReportHTML and/or ReportPDF.
	Formats []string `json:"formats"`
	// Voices are compared in the report's share of voice.
	Voices []Voice `json:"voices,omitempty"`
	// MaskExports masks personal data (e-mail, phone, IBAN, card number,
	// postal address) in the texts, names and handles of the brand's CSV
	// exports, as reports always do. Off until the brand chooses it: an
	// analyst's export may need the raw text.
	MaskExports bool `json:"mask_exports,omitempty"`
}

// GetReportSettingsRequest asks for a brand's report settings.
type GetReportSettingsRequest struct {
	Brand string `json:"brand"`
}

// PutReportSettingsRequest replaces a brand's report settings. Revision is
// the one the edit started from (0: none saved yet); when the settings
// were saved since, the request fails with CodeConflict.
type PutReportSettingsRequest struct {
	Brand     string         `json:"brand"`
	Revision  uint64         `json:"revision"`
	Settings  ReportSettings `json:"settings"`
	UpdatedBy string         `json:"updated_by,omitempty"`
}

// ReportSettingsResponse is a brand's report settings and their revision.
type ReportSettingsResponse struct {
	Brand string `json:"brand"`
	// Revision changes at every save; 0 means the defaults (never saved).
	Revision  uint64         `json:"revision"`
	Settings  ReportSettings `json:"settings"`
	UpdatedBy string         `json:"updated_by,omitempty"`
	UpdatedAt *time.Time     `json:"updated_at,omitempty"`
	// NextRun is when the next report is due, when enabled.
	NextRun *time.Time `json:"next_run,omitempty"`
}

// Stored report states.
const (
	// StoredReportGenerating: a replica claimed the week and is writing it
	// (a claim that outlives ClaimExpires is taken over by another).
	StoredReportGenerating = "generating"
	// StoredReportDone: every format is stored.
	StoredReportDone = "done"
	// StoredReportFailed: the last attempt failed; it is retried after
	// ClaimExpires, a few times.
	StoredReportFailed = "failed"
)

// ListStoredReportsRequest asks for a brand's stored reports.
type ListStoredReportsRequest struct {
	Brand string `json:"brand"`
}

// StoredReports lists a brand's stored reports, newest week first.
type StoredReports struct {
	Brand   string         `json:"brand"`
	Reports []StoredReport `json:"reports"`
}

// StoredReport is the record of one brand's week: who generated it, when,
// and the files stored.
type StoredReport struct {
	Brand string `json:"brand"`
	// Week is the ISO week, "2026-W47".
	Week   string    `json:"week"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	TZ     string    `json:"tz"`
	Locale string    `json:"locale"`
	State  string    `json:"state"`
	// Attempts counts the generations started.
	Attempts     int       `json:"attempts"`
	ClaimedBy    string    `json:"claimed_by,omitempty"`
	ClaimExpires time.Time `json:"claim_expires"`
	GeneratedAt  time.Time `json:"generated_at,omitzero"`
	Error        string    `json:"error,omitempty"`
	// Files are the stored formats, once done.
	Files []StoredReportInfo `json:"files,omitempty"`
}

// StoredReportInfo describes one stored file.
type StoredReportInfo struct {
	Format      string `json:"format"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
	// SHA256 is the hex digest of the content.
	SHA256 string `json:"sha256"`
}

// GetStoredReportRequest asks for one stored file of a brand's week.
type GetStoredReportRequest struct {
	Brand  string `json:"brand"`
	Week   string `json:"week"`
	Format string `json:"format"`
}

// StoredReportFile is one stored file and its content.
type StoredReportFile struct {
	Brand string `json:"brand"`
	Week  string `json:"week"`
	StoredReportInfo
	Content []byte `json:"content"`
}
