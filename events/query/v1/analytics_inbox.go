package v1

import "time"

// GetInteractionSubject answers GetInteractionRequest with
// InteractionDetail, or CodeNotFound.
const GetInteractionSubject = "ruche.query.analytics.interactions.get"

// Inbox statuses, derived from the events analytics stores.
const (
	// StatusOpen: neither responded nor closed.
	StatusOpen = "open"
	// StatusResponded: at least one reply.sent.v1 names the interaction.
	StatusResponded = "responded"
	// StatusClosed: not responded, and the latest moderator decision on
	// its case is close, hide or spam (no reply is owed).
	StatusClosed = "closed"
	// StatusDeleted: deleted on its network (interaction.deleted.v1); a
	// deleted interaction is never open. Shown in a detail, not a filter.
	StatusDeleted = "deleted"
)

// Unassigned as an Assignee filter selects interactions without assignee.
const Unassigned = "none"

// InteractionFilter narrows a listing. Every field is optional; the fields
// combine with AND, the values of one list field with OR.
type InteractionFilter struct {
	Networks []string `json:"networks,omitempty"`
	// Kinds are interaction.received.v1 kinds (comment, reply, dm...).
	Kinds []string `json:"kinds,omitempty"`
	// Verdicts are the latest moderation verdicts (allow, review, hide...).
	Verdicts []string `json:"verdicts,omitempty"`
	// Statuses are StatusOpen, StatusResponded, StatusClosed.
	Statuses []string `json:"statuses,omitempty"`
	// Sentiments match the "sentiment:<value>" labels (positive, neutral,
	// negative, sarcasm); Intents the "intent:<value>" labels.
	Sentiments []string `json:"sentiments,omitempty"`
	Intents    []string `json:"intents,omitempty"`
	// Labels match any of the latest moderation labels as written
	// ("spam", "toxicity:insult", "lang:fr").
	Labels []string `json:"labels,omitempty"`
	// MinPriority and MaxPriority bound the latest moderation priority
	// (inclusive); an unmoderated interaction has none and is left out
	// when either is set.
	MinPriority *int `json:"min_priority,omitempty"`
	MaxPriority *int `json:"max_priority,omitempty"`
	// Assignee is the assignee of the latest "assign" case decision, or
	// Unassigned.
	Assignee string `json:"assignee,omitempty"`
	// Queue matches the "route:<queue>" action of the latest moderation.
	Queue string `json:"queue,omitempty"`
	// AuthorID keeps one author's interactions.
	AuthorID string `json:"author_id,omitempty"`
	// From (inclusive) and To (exclusive) bound created_at.
	From *time.Time `json:"from,omitempty"`
	To   *time.Time `json:"to,omitempty"`
	// Text is searched in the interaction's text, ignoring case and French
	// accents (é = e, ç = c, œ = oe...), as a substring.
	Text string `json:"text,omitempty"`
}

// SearchInteractionsRequest is a ListInteractionsRequest with filters; the
// cursor of a page is only valid with the same filters.
type SearchInteractionsRequest struct {
	ListInteractionsRequest
	InteractionFilter
}

// GetInteractionRequest asks for one interaction of a brand.
type GetInteractionRequest struct {
	Brand string `json:"brand"`
	ID    string `json:"id"`
}

// Reply is one reply.sent.v1 of an interaction.
type Reply struct {
	ID         string    `json:"id"`
	PlatformID string    `json:"platform_id"`
	Private    bool      `json:"private,omitempty"`
	Agent      string    `json:"agent,omitempty"`
	Automated  bool      `json:"automated,omitempty"`
	SentAt     time.Time `json:"sent_at"`
}

// InteractionDetail is one interaction with its routing, its replies, its
// thread and its author's history with the brand.
type InteractionDetail struct {
	Interaction
	Status   string     `json:"status"`
	Assignee string     `json:"assignee,omitempty"`
	Queue    string     `json:"queue,omitempty"`
	SLADue   *time.Time `json:"sla_due,omitempty"`
	Replies  []Reply    `json:"replies"`
	// Thread is every interaction of the same thread (same network and
	// thread root), oldest first, this one included; at most MaxThread.
	Thread []Interaction `json:"thread"`
	Author AuthorHistory `json:"author"`
	// Edits is the text's history when the author edited it: the text as
	// received, then every edit, oldest first. Added in place.
	Edits []TextVersion `json:"edits,omitempty"`
	// Actions are what publishing did on the network about the interaction
	// (publish.succeeded.v1, publish.failed.v1), oldest first; NetworkState
	// sums up the latest: replied, hidden, visible, deleted, or the kind
	// with "_failed" (reply_failed, hide_failed...) when the network or
	// publishing refused it, the reason in the action. Added in place.
	Actions      []NetworkAction `json:"actions,omitempty"`
	NetworkState string          `json:"network_state,omitempty"`
}

// NetworkAction is one outcome of a publish request about an interaction.
type NetworkAction struct {
	RequestID string `json:"request_id"`
	// Kind is reply, hide, unhide or delete; Outcome succeeded or failed.
	Kind       string `json:"kind"`
	Network    string `json:"network"`
	Outcome    string `json:"outcome"`
	PlatformID string `json:"platform_id,omitempty"`
	URL        string `json:"url,omitempty"`
	// Code and Reason of a failure, as the network (or publishing) gave
	// them; Retryable when a retry through the API may still succeed.
	Code      string    `json:"code,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Retryable bool      `json:"retryable,omitempty"`
	Attempts  uint32    `json:"attempts"`
	At        time.Time `json:"at"`
}

// TextVersion is one version of an interaction's text; At is when it was
// written (created_at for the text as received, edited_at for an edit).
type TextVersion struct {
	Text string    `json:"text"`
	Lang string    `json:"lang,omitempty"`
	At   time.Time `json:"at"`
}

// MaxThread bounds InteractionDetail.Thread.
const MaxThread = 200

// AuthorHistory is what one author did with the brand on one network.
type AuthorHistory struct {
	Network  string `json:"network"`
	AuthorID string `json:"author_id"`
	// Total counts the author's interactions with the brand, this one
	// included; ByKind and BySentiment split it (unmoderated ones have no
	// sentiment).
	Total       uint64            `json:"total"`
	ByKind      map[string]uint64 `json:"by_kind"`
	BySentiment map[string]uint64 `json:"by_sentiment"`
	Responded   uint64            `json:"responded"`
	FirstSeen   time.Time         `json:"first_seen"`
	LastSeen    time.Time         `json:"last_seen"`
	// Recent are the author's latest other interactions, newest first, at
	// most MaxAuthorRecent.
	Recent []Interaction `json:"recent"`
}

// MaxAuthorRecent bounds AuthorHistory.Recent.
const MaxAuthorRecent = 20
