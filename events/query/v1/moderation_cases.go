package v1

import (
	"time"

	casev1 "github.com/ruche-project/ruche/events/case/v1"
)

// Subjects of moderation's case endpoints.
const (
	// ClaimCaseSubject answers ClaimCaseRequest with CaseClaim.
	ClaimCaseSubject = "ruche.command.moderation.cases.claim"
	// ReleaseCaseSubject answers ReleaseCaseRequest with an empty object.
	ReleaseCaseSubject = "ruche.command.moderation.cases.release"
	// DecideCaseSubject answers DecideCaseRequest with DecideCaseResponse.
	DecideCaseSubject = "ruche.command.moderation.cases.decide"
	// ListClaimsSubject answers ListClaimsRequest with ListClaimsResponse.
	ListClaimsSubject = "ruche.query.moderation.cases.claims"
)

// ListClaimsRequest asks for the claims held on a brand's cases (who is
// answering what), for the workspace's claim locks.
type ListClaimsRequest struct {
	Brand string `json:"brand"`
}

// ListClaimsResponse lists the held claims.
type ListClaimsResponse struct {
	Claims []CaseClaim `json:"claims"`
}

// ClaimCaseRequest claims (or renews the claim of) one interaction's case
// for a moderator. It fails with CodeConflict while another moderator holds
// it.
type ClaimCaseRequest struct {
	Brand         string `json:"brand"`
	InteractionID string `json:"interaction_id"`
	Moderator     string `json:"moderator"`
}

// CaseClaim is a held claim.
type CaseClaim struct {
	Brand         string    `json:"brand"`
	InteractionID string    `json:"interaction_id"`
	Moderator     string    `json:"moderator"`
	ExpiresAt     time.Time `json:"expires_at"`
	// Revision changes at every claim and renewal.
	Revision uint64 `json:"revision"`
}

// ReleaseCaseRequest gives a claim up; only its holder may.
type ReleaseCaseRequest struct {
	Brand         string `json:"brand"`
	InteractionID string `json:"interaction_id"`
	Moderator     string `json:"moderator"`
}

// DecideCaseRequest records a moderator's decision. The moderator must hold
// the case's claim (a decision claims an unclaimed case first).
type DecideCaseRequest struct {
	Brand         string          `json:"brand"`
	InteractionID string          `json:"interaction_id"`
	Moderator     string          `json:"moderator"`
	Decision      casev1.Decision `json:"decision"`
	// Assignee is required by assign.
	Assignee string `json:"assignee,omitempty"`
	Reason   string `json:"reason,omitempty"`
	// Network of the interaction, passed on to publishing with hide/unhide.
	Network string `json:"network,omitempty"`
}

// DecideCaseResponse is the recorded decision and what was asked of
// publishing ("hide", "unhide" or empty).
type DecideCaseResponse struct {
	Decided casev1.Decided `json:"decided"`
	Publish string         `json:"publish,omitempty"`
}
