package v1

import "time"

// The data-subject endpoints (GDPR art. 15 and 20): each service that holds
// personal data answers what it holds about one author; the gateway bundles
// the answers into one export. Erasure is an event
// (privacy/v1.ErasureRequested), not an endpoint: every service erases its
// own copy.
var (
	// ExportPerson answers everything analytics holds about one author of a
	// brand on one network.
	ExportPerson = Declare[PersonRequest, PersonData](AnalyticsService, "privacy_export", "ruche.query.analytics.privacy.export", BudgetHeavy)
	// ExportPersonDrafts answers drafting's drafts of the given
	// interactions and what it keeps of them.
	ExportPersonDrafts = Declare[PersonDraftsRequest, PersonDrafts](DraftingService, "privacy_export", "ruche.query.drafting.privacy.export", BudgetRead)
)

// MaxPersonInteractions bounds the interactions one export lists; past it
// PersonData.Truncated is set (the erasure is not bounded).
const MaxPersonInteractions = 10_000

// PersonRequest names one author of a brand on one network.
type PersonRequest struct {
	Brand    string `json:"brand"`
	Network  string `json:"network"`
	AuthorID string `json:"author_id"`
}

// PersonData is what analytics holds about one author.
type PersonData struct {
	Network  string `json:"network"`
	AuthorID string `json:"author_id"`
	// Interactions are the author's, oldest first, each with the latest
	// moderation and, when edited, its text history.
	Interactions []PersonInteraction `json:"interactions"`
	// CaseDecisions are moderators' decisions on those interactions.
	CaseDecisions []PersonCaseDecision `json:"case_decisions"`
	// Replies are the brand's replies to them.
	Replies []PersonReply `json:"replies"`
	// ContestEntries are the contest draws the author took part in.
	ContestEntries []PersonContestEntry `json:"contest_entries"`
	// Follows are the brand's accounts the author follows, as the networks
	// said.
	Follows []PersonFollow `json:"follows"`
	// Erasures are the erasure requests already carried out for this
	// author (their data then shows only under the pseudonym).
	Erasures []string `json:"erasures,omitempty"`
	// Truncated is set when the author has more than MaxPersonInteractions.
	Truncated bool `json:"truncated,omitempty"`
}

// PersonInteraction is one of the author's interactions.
type PersonInteraction struct {
	Interaction
	// Edits is the text's history when it was edited: the text as
	// received, then every edit.
	Edits []TextVersion `json:"edits,omitempty"`
}

// PersonCaseDecision is one moderator decision on an author's interaction.
type PersonCaseDecision struct {
	InteractionID string    `json:"interaction_id"`
	Decision      string    `json:"decision"`
	Moderator     string    `json:"moderator"`
	Assignee      string    `json:"assignee,omitempty"`
	Reason        string    `json:"reason,omitempty"`
	DecidedAt     time.Time `json:"decided_at"`
}

// PersonReply is one reply of the brand to an author's interaction.
type PersonReply struct {
	InteractionID string `json:"interaction_id"`
	Reply
}

// PersonContestEntry is one contest draw the author was eligible for or
// excluded from. Draws are kept as the contest's legal record: an erasure
// does not rewrite them (their verification depends on the author ids).
type PersonContestEntry struct {
	ContestID     string    `json:"contest_id"`
	PostID        string    `json:"post_id"`
	InteractionID string    `json:"interaction_id,omitempty"`
	Eligible      bool      `json:"eligible"`
	Winner        bool      `json:"winner"`
	Excluded      string    `json:"excluded,omitempty"`
	DrawnAt       time.Time `json:"drawn_at"`
}

// PersonFollow is one brand account the author follows.
type PersonFollow struct {
	Account    string    `json:"account"`
	Handle     string    `json:"handle,omitempty"`
	Name       string    `json:"name,omitempty"`
	Followers  int64     `json:"followers"`
	FollowedAt time.Time `json:"followed_at"`
}

// PersonDraftsRequest asks drafting about an author's interactions.
type PersonDraftsRequest struct {
	Brand          string   `json:"brand"`
	InteractionIDs []string `json:"interaction_ids"`
}

// PersonDrafts is what drafting holds about an author's interactions: the
// drafts of replies (with their review trail) and the interactions' text
// kept for drafting.
type PersonDrafts struct {
	Drafts       []Draft             `json:"drafts"`
	Interactions []PersonDraftSource `json:"interactions"`
}

// PersonDraftSource is what drafting keeps of an interaction to draft its
// reply (7 days).
type PersonDraftSource struct {
	ID     string `json:"id"`
	Text   string `json:"text"`
	Lang   string `json:"lang,omitempty"`
	Author string `json:"author,omitempty"`
}
