// Package v1 holds the request/reply contracts that the gateway (and the
// CLI, through the gateway) uses to ask the services that own data, over NATS
// with the nats.go micro package. Reads live under ruche.query.>, commands
// under ruche.command.>; neither is captured by a stream.
package v1

import (
	"time"
)

// Subjects of the analytics service's endpoints.
const (
	// AnalyticsService is the micro service name of analytics.
	AnalyticsService = "analytics"
	// ListInteractionsSubject answers SearchInteractionsRequest (a
	// ListInteractionsRequest with optional filters) with
	// ListInteractionsResponse.
	ListInteractionsSubject = "ruche.query.analytics.interactions.list"
)

// Error codes set in the micro error header (Nats-Service-Error-Code); the
// gateway maps them to HTTP statuses.
const (
	CodeBadRequest = "400"
	// CodeForbidden: the caller may not do this (a role, a brand).
	CodeForbidden = "403"
	CodeNotFound  = "404"
	// CodeConflict: a compare-and-set that lost (a policy saved from a stale
	// version, a case claimed by someone else).
	CodeConflict = "409"
	CodeInternal = "500"
	// CodeUnavailable: a dependency does not answer, or the replica is
	// shutting down; the caller may retry.
	CodeUnavailable = "503"
)

// MaxListLimit bounds one page of a listing.
const MaxListLimit = 500

// ListInteractionsRequest asks for one page of a brand's interactions, newest
// first.
type ListInteractionsRequest struct {
	Brand string `json:"brand"`
	// Limit of items per page: 1 to MaxListLimit, 0 means 50.
	Limit int `json:"limit,omitempty"`
	// Cursor is the NextCursor of the previous page; empty for the first page.
	Cursor string `json:"cursor,omitempty"`
}

// Interaction is one row of the inbox: the interaction as received plus the
// latest moderation decision, when there is one.
type Interaction struct {
	ID           string    `json:"id"`
	Brand        string    `json:"brand"`
	Network      string    `json:"network"`
	Account      string    `json:"account,omitempty"`
	Kind         string    `json:"kind"`
	PlatformID   string    `json:"platform_id"`
	ThreadID     string    `json:"thread_id,omitempty"`
	ParentID     string    `json:"parent_id,omitempty"`
	AuthorID     string    `json:"author_id"`
	AuthorHandle string    `json:"author_handle,omitempty"`
	AuthorName   string    `json:"author_name,omitempty"`
	Text         string    `json:"text"`
	Lang         string    `json:"lang,omitempty"`
	URL          string    `json:"url,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	ReceivedAt   time.Time `json:"received_at"`
	Source       string    `json:"source"`
	// EditedAt is set when the author edited the text: Text and Lang are
	// then the latest edit's (interaction.updated.v1). Added in place.
	EditedAt *time.Time `json:"edited_at,omitempty"`
	// DeletedAt is set when the interaction was deleted on its network
	// (interaction.deleted.v1): it is no longer open. Added in place.
	DeletedAt *time.Time `json:"deleted_at,omitempty"`
	// Moderation, empty until interaction.moderated has been stored.
	Verdict  string   `json:"verdict,omitempty"`
	Labels   []string `json:"labels,omitempty"`
	Priority int      `json:"priority,omitempty"`
}

// ListInteractionsResponse is one page of interactions.
type ListInteractionsResponse struct {
	Items []Interaction `json:"items"`
	// NextCursor fetches the next page; empty on the last one.
	NextCursor string `json:"next_cursor,omitempty"`
}
