package v1

import (
	"time"

	auditv1 "github.com/ruche-project/ruche/events/audit/v1"
)

// The draft metrics and the audit search, over what the analytics sink
// stores of the draft and audit streams.
var (
	// GetDraftMetrics answers how a brand's drafts fared over a period.
	GetDraftMetrics = Declare[DraftMetricsRequest, DraftMetrics](AnalyticsService, "draft_metrics", "ruche.query.analytics.drafts.metrics", BudgetRead)
	// SearchAudit searches a brand's audit log by actor, action and time,
	// newest first.
	SearchAudit = Declare[SearchAuditRequest, AuditSearchResult](AnalyticsService, "audit_search", "ruche.query.analytics.audit.search", BudgetRead)
)

// DraftMetricsRequest bounds the period: drafts created and reviews made
// from From (inclusive) to To (exclusive).
type DraftMetricsRequest struct {
	Brand string    `json:"brand"`
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
}

// DraftMetrics are the quality signals of a brand's drafts.
type DraftMetrics struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Drafted counts the drafts written (first versions), Regenerated the
	// later versions, Flagged the versions a safety check flagged.
	Drafted     uint64 `json:"drafted"`
	Regenerated uint64 `json:"regenerated"`
	Flagged     uint64 `json:"flagged"`
	// Approved and Rejected count the reviews of the period.
	Approved uint64 `json:"approved"`
	Rejected uint64 `json:"rejected"`
	// AcceptanceRate is Approved / (Approved + Rejected), 0 without review.
	AcceptanceRate float64 `json:"acceptance_rate"`
	// MeanEditDistance is the mean Levenshtein distance from the draft to
	// the approved text (0: approved as drafted); Unedited counts those.
	MeanEditDistance float64 `json:"mean_edit_distance"`
	Unedited         uint64  `json:"unedited"`
	// MedianSecondsToApprove is from the draft's first version to its
	// approval; P90SecondsToApprove the 90th percentile.
	MedianSecondsToApprove float64 `json:"median_seconds_to_approve"`
	P90SecondsToApprove    float64 `json:"p90_seconds_to_approve"`
	// ByDrafter counts the versions per drafter (offline, model:<name>).
	ByDrafter map[string]uint64 `json:"by_drafter"`
	// Definitions say how each figure is computed.
	Definitions map[string]string `json:"definitions"`
}

// SearchAuditRequest filters a brand's audit log; every filter is optional.
type SearchAuditRequest struct {
	Brand  string     `json:"brand"`
	Actor  string     `json:"actor,omitempty"`
	Action string     `json:"action,omitempty"`
	Since  *time.Time `json:"since,omitempty"`
	Until  *time.Time `json:"until,omitempty"`
	// Limit is 1 to 1000 (default 100); Cursor continues a search.
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// AuditSearchResult is a page of audit records, newest first.
type AuditSearchResult struct {
	Items      []auditv1.Recorded `json:"items"`
	NextCursor string             `json:"next_cursor,omitempty"`
}
